package city.myriad.platform.paging;

import java.util.List;

/**
 * One page of a list: the items and the opaque cursor of the next page, null on the last page.
 * Lists are keyset-paged, so a page is stable while rows are added elsewhere.
 */
public record Page<T>(List<T> items,
        @org.eclipse.microprofile.openapi.annotations.media.Schema(description = "Cursor of the next page; absent on the last page",
                examples = "MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDBlMTAx") String nextCursor) {

    public <R> Page<R> map(java.util.function.Function<T, R> f) {
        return new Page<>(items.stream().map(f).toList(), nextCursor);
    }
}
