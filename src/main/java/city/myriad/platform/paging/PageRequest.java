package city.myriad.platform.paging;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * A validated request for one page of one list: after which key to start (from the client's cursor) and how
 * many items at most. Built by {@link Paging}, which checked that the cursor was issued for this very list and
 * these filters; {@link #page} issues the next one the same way.
 */
public final class PageRequest {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private final Optional<String> after;
    private final int limit;
    private final Function<String, String> issue;

    PageRequest(Optional<String> after, int limit, Function<String, String> issue) {
        this.after = after;
        this.limit = limit;
        this.issue = issue;
    }

    /**
     * A request made in process, not from a client (the cluster emulator): the cursor is the raw key and the page's
     * next cursor is the raw key too, never sent to anyone.
     */
    public static PageRequest internal(String after, int limit) {
        return new PageRequest(Optional.ofNullable(after), Math.min(Math.max(limit, 1), MAX_LIMIT), key -> key);
    }

    public Optional<String> after() {
        return after;
    }

    public int limit() {
        return limit;
    }

    /** The key to start after, as a UUID (lists keyed by id). */
    public UUID afterUuid() {
        try {
            return after.map(UUID::fromString).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CURSOR, Paging.FOREIGN_CURSOR);
        }
    }

    /** The key to start after, as a number (lists keyed by a generated sequence), or null on the first page. */
    public Long afterLong() {
        try {
            return after.map(Long::parseLong).orElse(null);
        } catch (NumberFormatException e) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CURSOR, Paging.FOREIGN_CURSOR);
        }
    }

    /** Builds the page from up to limit+1 rows fetched: the extra row only says that there is a next page. */
    public <T> Page<T> page(List<T> rowsPlusOne, Function<T, String> key) {
        if (rowsPlusOne.size() <= limit) {
            return new Page<>(List.copyOf(rowsPlusOne), null);
        }
        List<T> items = List.copyOf(rowsPlusOne.subList(0, limit));
        return new Page<>(items, issue.apply(key.apply(items.get(items.size() - 1))));
    }

    /** Reads {@code limit} as the client sent it: a whole number from 1 to 500, or absent. */
    static int limit(String raw) {
        if (raw == null) {
            return DEFAULT_LIMIT;
        }
        if (!raw.matches("[0-9]{1,4}")) {
            throw invalidLimit(raw);
        }
        int l = Integer.parseInt(raw);
        if (l < 1 || l > MAX_LIMIT) {
            throw invalidLimit(raw);
        }
        return l;
    }

    private static MyriadProblem.Validation invalidLimit(String raw) {
        String shown = raw.length() > 20 ? raw.substring(0, 20) + "…" : raw;
        return new MyriadProblem.Validation(ProblemCode.INVALID_LIMIT,
                "limit must be a whole number from 1 to " + MAX_LIMIT + ", got '" + shown + "'",
                List.of(MyriadProblem.Violation.field("limit", "a whole number from 1 to " + MAX_LIMIT)));
    }
}
