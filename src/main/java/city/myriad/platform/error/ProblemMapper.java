package city.myriad.platform.error;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become HTTP responses: every error leaves the service as
 * {@code application/problem+json} with a stable code. Input errors are 4xx with a message saying what to fix;
 * only bugs are 500, and those never echo internals to the caller.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response problem(MyriadProblem e, UriInfo uri) {
        List<MyriadProblem.Violation> errors = e instanceof MyriadProblem.Validation v ? v.violations() : List.of();
        return respond(Problem.of(e.status(), e.title(), e.code(), e.getMessage(), path(uri), errors));
    }

    // Quarkus REST ships its own mappers for these Jackson types; naming them here puts ours first.
    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response parse(JsonParseException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        String detail;
        String code;
        if (e instanceof UnrecognizedPropertyException u) {
            code = "UNKNOWN_FIELD";
            detail = "Unknown field '" + u.getPropertyName() + "'" + known(u);
        } else if (e instanceof InvalidFormatException f) {
            code = "INVALID_FIELD_TYPE";
            detail = "Field '" + pointer(f) + "' has the wrong type or format: got " + printable(f.getValue())
                    + ", expected " + f.getTargetType().getSimpleName();
        } else if (e instanceof MismatchedInputException m) {
            code = "INVALID_FIELD_TYPE";
            String at = pointer(m);
            detail = at.isEmpty() ? "The body does not have the expected shape (a JSON object is expected)"
                    : "Field '" + at + "' has the wrong type or shape";
        } else if (e instanceof JsonParseException) {
            code = "MALFORMED_JSON";
            detail = "The body is not valid JSON: " + e.getOriginalMessage();
        } else {
            code = "MALFORMED_JSON";
            detail = "The body cannot be read: " + e.getOriginalMessage();
        }
        return respond(Problem.of(400, "Invalid request", code, detail, path(uri), List.of()));
    }

    @ServerExceptionMapper
    public Response constraints(ConstraintViolationException e, UriInfo uri) {
        List<MyriadProblem.Violation> errors = e.getConstraintViolations().stream()
                .map(v -> MyriadProblem.Violation.field(field(v), v.getMessage()))
                .sorted(Comparator.comparing(MyriadProblem.Violation::field))
                .toList();
        String detail = errors.stream().map(v -> v.field() + ": " + v.reason()).collect(Collectors.joining("; "));
        return respond(Problem.of(400, "Invalid request", "VALIDATION_FAILED", detail, path(uri), errors));
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri) {
        Response r = respond(Problem.of(401, "Unauthorized", "UNAUTHENTICATED",
                "A valid bearer token is required", path(uri), List.of()));
        return Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(Problem.of(403, "Forbidden", "FORBIDDEN",
                "Your roles do not allow this operation", path(uri), List.of()));
    }

    @ServerExceptionMapper
    public Response identityProviderDown(io.quarkus.oidc.OIDCException e, UriInfo uri) {
        LOG.warnf("Identity provider unavailable: %s", e.getMessage());
        return respond(Problem.of(503, "Service unavailable", "IDENTITY_PROVIDER_UNAVAILABLE",
                "The identity provider cannot be reached to verify your token; retry shortly", path(uri), List.of()));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(Problem.of(status, "Server error", "INTERNAL", "The request failed", path(uri), List.of()));
        }
        String code = switch (status) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            default -> "HTTP_" + status;
        };
        Response.StatusType reason = Response.Status.fromStatusCode(status);
        String title = reason != null ? reason.getReasonPhrase() : "Client error";
        Response r = respond(Problem.of(status, title, code, e.getMessage(), path(uri), List.of()));
        if (e.getResponse().getHeaderString(HttpHeaders.ALLOW) != null) {
            r = Response.fromResponse(r).header(HttpHeaders.ALLOW, e.getResponse().getHeaderString(HttpHeaders.ALLOW))
                    .build();
        }
        return r;
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.error("Unexpected failure", e);
        return respond(Problem.of(500, "Server error", "INTERNAL",
                "The request failed on our side; it is logged and safe to retry", path(uri), List.of()));
    }

    static Response respond(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }

    private static String pointer(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String known(UnrecognizedPropertyException u) {
        if (u.getKnownPropertyIds() == null || u.getKnownPropertyIds().isEmpty()) {
            return "";
        }
        return "; known fields: " + u.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                .collect(Collectors.joining(", "));
    }

    private static String printable(Object value) {
        String s = String.valueOf(value);
        return s.length() > 60 ? "'" + s.substring(0, 60) + "…'" : "'" + s + "'";
    }

    private static String field(ConstraintViolation<?> v) {
        // Paths look like "create.body.name": keep what the client sent, the part after the parameter.
        String p = v.getPropertyPath().toString();
        String[] parts = p.split("\\.", 3);
        return parts.length == 3 ? parts[2] : parts[parts.length - 1];
    }
}
