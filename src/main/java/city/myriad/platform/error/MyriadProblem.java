package city.myriad.platform.error;

import java.util.List;

/**
 * The closed set of failures a use case reports to its caller. Each maps to one HTTP status and a stable
 * {@link #code()} that clients may branch on; the detail is for humans. Anything else that escapes a use case
 * is a bug and becomes a 500.
 */
public abstract sealed class MyriadProblem extends RuntimeException {

    private final ProblemCode code;

    private MyriadProblem(ProblemCode code, String detail, int status) {
        super(detail, null, false, false);
        if (code.status() != status) {
            throw new IllegalArgumentException(code + " is a " + code.status() + " code, not a " + status);
        }
        this.code = code;
    }

    public ProblemCode code() {
        return code;
    }

    public int status() {
        return code.status();
    }

    public String title() {
        return code.title();
    }

    /** The thing does not exist, or the caller may not know that it exists. */
    public static final class NotFound extends MyriadProblem {
        public NotFound(ProblemCode code, String detail) {
            super(code, detail, 404);
        }
    }

    /** The request contradicts the current state (a duplicate name, a reused idempotency key). */
    public static final class Conflict extends MyriadProblem {
        public Conflict(ProblemCode code, String detail) {
            super(code, detail, 409);
        }
    }

    /** The request is malformed or breaks a rule of the input; {@link #violations()} says where. */
    public static final class Validation extends MyriadProblem {
        private final List<Violation> violations;

        public Validation(ProblemCode code, String detail, List<Violation> violations) {
            super(code, detail, 400);
            this.violations = List.copyOf(violations);
        }

        public Validation(ProblemCode code, String detail) {
            this(code, detail, List.of());
        }

        public List<Violation> violations() {
            return violations;
        }
    }

    /**
     * Not enough capacity for the whole window asked for; {@code earliestStart}/{@code earliestEnd} is the earliest
     * window of the same length that fits now, or null if none ever can (more cards than exist).
     */
    public static final class CapacityUnavailable extends MyriadProblem {
        private final java.time.Instant earliestStart;
        private final java.time.Instant earliestEnd;

        private final java.time.Instant latestEnd;

        public CapacityUnavailable(String detail, java.time.Instant earliestStart, java.time.Instant earliestEnd) {
            this(detail, earliestStart, earliestEnd, null);
        }

        private CapacityUnavailable(String detail, java.time.Instant earliestStart, java.time.Instant earliestEnd,
                java.time.Instant latestEnd) {
            super(ProblemCode.CAPACITY_UNAVAILABLE, detail, 409);
            this.earliestStart = earliestStart;
            this.earliestEnd = earliestEnd;
            this.latestEnd = latestEnd;
        }

        /** An extension that does not fit: {@code latestEnd}, if not null, is the latest end that does. */
        public static CapacityUnavailable forExtension(String detail, java.time.Instant latestEnd) {
            return new CapacityUnavailable(detail, null, null, latestEnd);
        }

        public java.time.Instant latestEnd() {
            return latestEnd;
        }

        public java.time.Instant earliestStart() {
            return earliestStart;
        }

        public java.time.Instant earliestEnd() {
            return earliestEnd;
        }
    }

    /**
     * A billing period cannot be closed before earlier ones that still have something to bill; {@link #openPeriods()}
     * names them, oldest first.
     */
    public static final class EarlierPeriodsOpen extends MyriadProblem {
        private final List<String> openPeriods;

        public EarlierPeriodsOpen(String detail, List<String> openPeriods) {
            super(ProblemCode.EARLIER_PERIOD_OPEN, detail, 409);
            this.openPeriods = List.copyOf(openPeriods);
        }

        public List<String> openPeriods() {
            return openPeriods;
        }
    }

    /** The caller is known but not allowed to do this. */
    public static final class Forbidden extends MyriadProblem {
        public Forbidden(ProblemCode code, String detail) {
            super(code, detail, 403);
        }
    }

    /** The request is valid but exceeds a quota or budget. */
    public static final class QuotaExceeded extends MyriadProblem {
        public QuotaExceeded(ProblemCode code, String detail) {
            super(code, detail, 422);
        }
    }

    /**
     * A conditional write's {@code If-Match} names no tag of the resource as it is now: someone changed it since the
     * caller read it. Nothing was changed; {@link #currentTag()} (the answer's {@code ETag}) is the tag to read again.
     */
    public static final class PreconditionFailed extends MyriadProblem {
        private final String currentTag;

        public PreconditionFailed(ProblemCode code, String detail, String currentTag) {
            super(code, detail, 412);
            this.currentTag = currentTag;
        }

        public String currentTag() {
            return currentTag;
        }
    }

    /** Too many requests of one kind in a short time; {@link #retryAfterSeconds()} says when to try again. */
    public static final class TooManyRequests extends MyriadProblem {
        private final long retryAfterSeconds;

        public TooManyRequests(ProblemCode code, String detail, long retryAfterSeconds) {
            super(code, detail, 429);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** A payment the caller asked for was refused by the payment provider (a declined card); nothing was paid. */
    public static final class PaymentDeclined extends MyriadProblem {
        public PaymentDeclined(ProblemCode code, String detail) {
            super(code, detail, 402);
        }
    }

    /** A system we depend on (Keycloak, Stripe) failed; the request changed nothing and may be retried. */
    public static final class Upstream extends MyriadProblem {
        public Upstream(ProblemCode code, String detail) {
            super(code, detail, 502);
        }
    }

    /**
     * Where an input broke a rule: {@code field} is a JSON pointer-ish path or a CSV column, {@code row} the
     * 1-based line of a CSV body (null for JSON).
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Violation(Integer row, String field, String reason) {
        public static Violation field(String field, String reason) {
            return new Violation(null, field, reason);
        }
    }
}
