package city.myriad.platform.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of every error response: RFC 9457 problem details with Myriad's stable {@code code} and, for input
 * errors, the list of violations. Empty fields are omitted, never sent as null (the API's rule, docs/api.md).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, ProblemCode code, String instance,
        List<MyriadProblem.Violation> errors, Window earliestWindow, java.time.Instant latestEndAt,
        List<String> openPeriods, String requestId) {

    /** A window of time; on CAPACITY_UNAVAILABLE, the earliest one of the asked length that fits. */
    public record Window(java.time.Instant startAt, java.time.Instant endAt) {}

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://myriad.city/problems/";

    public static Problem of(ProblemCode code, String detail, String instance, List<MyriadProblem.Violation> errors) {
        return new Problem(code.type(), code.title(), code.status(), detail, code, instance, errors, null, null, null,
                null);
    }

    /** This problem, naming the request it answers (its {@code X-Request-Id}). */
    public Problem withRequestId(String id) {
        return new Problem(type, title, status, detail, code, instance, errors, earliestWindow, latestEndAt,
                openPeriods, id);
    }

    public static Problem of(ProblemCode code, String detail, String instance) {
        return of(code, detail, instance, List.of());
    }
}
