package city.myriad.platform.paging;

import city.myriad.platform.error.MyriadProblem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * A validated request for one page: after which key to start (decoded from the client's cursor) and how many
 * items at most. Cursors are opaque to clients: base64url of the last key of the previous page.
 */
public record PageRequest(Optional<String> after, int limit) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public static PageRequest of(String cursor, Integer limit) {
        int l = limit == null ? DEFAULT_LIMIT : limit;
        if (l < 1 || l > MAX_LIMIT) {
            throw new MyriadProblem.Validation("INVALID_LIMIT",
                    "limit must be between 1 and " + MAX_LIMIT + ", got " + l);
        }
        if (cursor == null || cursor.isBlank()) {
            return new PageRequest(Optional.empty(), l);
        }
        try {
            return new PageRequest(Optional.of(new String(Base64.getUrlDecoder().decode(cursor),
                    StandardCharsets.UTF_8)), l);
        } catch (IllegalArgumentException e) {
            throw new MyriadProblem.Validation("INVALID_CURSOR",
                    "cursor is not one this service issued; start again without a cursor");
        }
    }

    /** Builds the page from up to limit+1 rows fetched: the extra row only says that there is a next page. */
    public <T> Page<T> page(java.util.List<T> rowsPlusOne, java.util.function.Function<T, String> key) {
        if (rowsPlusOne.size() <= limit) {
            return new Page<>(rowsPlusOne, null);
        }
        java.util.List<T> items = rowsPlusOne.subList(0, limit);
        String last = key.apply(items.get(items.size() - 1));
        return new Page<>(java.util.List.copyOf(items),
                Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
    }

    public java.util.UUID afterUuid() {
        try {
            return after.map(java.util.UUID::fromString).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new MyriadProblem.Validation("INVALID_CURSOR",
                    "cursor is not one this service issued; start again without a cursor");
        }
    }
}
