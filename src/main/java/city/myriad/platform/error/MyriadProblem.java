package city.myriad.platform.error;

import java.util.List;

/**
 * The closed set of failures a use case reports to its caller. Each maps to one HTTP status and a stable
 * {@link #code()} that clients may branch on; the detail is for humans. Anything else that escapes a use case
 * is a bug and becomes a 500.
 */
public abstract sealed class MyriadProblem extends RuntimeException {

    private final String code;

    private MyriadProblem(String code, String detail) {
        super(detail, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public abstract int status();

    public abstract String title();

    /** The thing does not exist, or the caller may not know that it exists. */
    public static final class NotFound extends MyriadProblem {
        public NotFound(String code, String detail) {
            super(code, detail);
        }

        public int status() { return 404; }

        public String title() { return "Not found"; }
    }

    /** The request contradicts the current state (a duplicate name, a reused idempotency key). */
    public static final class Conflict extends MyriadProblem {
        public Conflict(String code, String detail) {
            super(code, detail);
        }

        public int status() { return 409; }

        public String title() { return "Conflict"; }
    }

    /** The request is malformed or breaks a rule of the input; {@link #violations()} says where. */
    public static final class Validation extends MyriadProblem {
        private final List<Violation> violations;

        public Validation(String code, String detail, List<Violation> violations) {
            super(code, detail);
            this.violations = List.copyOf(violations);
        }

        public Validation(String code, String detail) {
            this(code, detail, List.of());
        }

        public List<Violation> violations() {
            return violations;
        }

        public int status() { return 400; }

        public String title() { return "Invalid request"; }
    }

    /** The caller is known but not allowed to do this. */
    public static final class Forbidden extends MyriadProblem {
        public Forbidden(String code, String detail) {
            super(code, detail);
        }

        public int status() { return 403; }

        public String title() { return "Forbidden"; }
    }

    /** The request is valid but exceeds a quota or budget. */
    public static final class QuotaExceeded extends MyriadProblem {
        public QuotaExceeded(String code, String detail) {
            super(code, detail);
        }

        public int status() { return 422; }

        public String title() { return "Quota exceeded"; }
    }

    /** A system we depend on (Keycloak, Stripe) failed; the request changed nothing and may be retried. */
    public static final class Upstream extends MyriadProblem {
        public Upstream(String code, String detail) {
            super(code, detail);
        }

        public int status() { return 502; }

        public String title() { return "Upstream failure"; }
    }

    /**
     * Where an input broke a rule: {@code field} is a JSON pointer-ish path or a CSV column, {@code row} the
     * 1-based line of a CSV body (null for JSON).
     */
    public record Violation(Integer row, String field, String reason) {
        public static Violation field(String field, String reason) {
            return new Violation(null, field, reason);
        }
    }
}
