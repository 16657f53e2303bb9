package city.myriad.platform.error;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
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

    private final city.myriad.platform.http.Routes routes;

    ProblemMapper(city.myriad.platform.http.Routes routes) {
        this.routes = routes;
    }

    @ServerExceptionMapper
    public Response problem(MyriadProblem e, UriInfo uri) {
        List<MyriadProblem.Violation> errors = e instanceof MyriadProblem.Validation v ? v.violations() : List.of();
        Problem p = Problem.of(e.code(), e.getMessage(), path(uri), errors);
        if (e instanceof MyriadProblem.CapacityUnavailable c && (c.earliestStart() != null || c.latestEnd() != null)) {
            p = new Problem(p.type(), p.title(), p.status(), p.detail(), p.code(), p.instance(), p.errors(),
                    c.earliestStart() == null ? null : new Problem.Window(c.earliestStart(), c.earliestEnd()),
                    c.latestEnd(), null, null);
        }
        if (e instanceof MyriadProblem.EarlierPeriodsOpen o) {
            p = new Problem(p.type(), p.title(), p.status(), p.detail(), p.code(), p.instance(), p.errors(), null,
                    null, o.openPeriods(), null);
        }
        if (e instanceof MyriadProblem.PreconditionFailed f && f.currentTag() != null) {
            return Response.fromResponse(respond(p)).header(HttpHeaders.ETAG, f.currentTag()).build();
        }
        if (e instanceof MyriadProblem.TooManyRequests t) {
            return Response.fromResponse(respond(p)).header("Retry-After", Long.toString(t.retryAfterSeconds()))
                    .build();
        }
        return respond(p);
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
        ProblemCode code;
        List<MyriadProblem.Violation> errors = List.of();
        String twice = duplicate(e);
        if (twice != null) {
            code = ProblemCode.DUPLICATE_FIELD;
            detail = "Field '" + twice + "' is given twice; send each field once";
            errors = List.of(MyriadProblem.Violation.field(twice, "given twice"));
        } else if (e instanceof city.myriad.platform.json.StrictJson.InvalidText t) {
            code = ProblemCode.INVALID_CHARACTER;
            detail = "Field '" + pointer(t) + "' " + t.reason();
            errors = List.of(MyriadProblem.Violation.field(pointer(t), t.reason()));
        } else if (e instanceof UnrecognizedPropertyException u) {
            code = ProblemCode.UNKNOWN_FIELD;
            detail = "Unknown field '" + u.getPropertyName() + "'" + known(u);
        } else if (e instanceof InvalidFormatException f) {
            code = ProblemCode.INVALID_FIELD_TYPE;
            detail = "Field '" + pointer(f) + "' has the wrong type or format: got " + printable(f.getValue())
                    + ", expected " + f.getTargetType().getSimpleName();
            if (!pointer(f).isEmpty()) {
                errors = List.of(MyriadProblem.Violation.field(pointer(f), "the wrong type or format"));
            }
        } else if (e instanceof MismatchedInputException m) {
            code = ProblemCode.INVALID_FIELD_TYPE;
            String at = pointer(m);
            detail = at.isEmpty() ? "The body does not have the expected shape (a JSON object is expected)"
                    : "Field '" + at + "' has the wrong type or shape";
            if (!at.isEmpty()) {
                errors = List.of(MyriadProblem.Violation.field(at, "the wrong type or shape"));
            }
        } else if (outOfRange(e) != null) {
            // A number too large for its field: the JSON is valid, the value is not (Jackson's message names the range).
            code = ProblemCode.INVALID_FIELD_TYPE;
            String at = e instanceof JsonMappingException w ? pointer(w) : "";
            String reason = "out of range: " + outOfRange(e).getOriginalMessage();
            detail = at.isEmpty() ? "A number is " + reason : "Field '" + at + "' is " + reason;
            if (!at.isEmpty()) {
                errors = List.of(MyriadProblem.Violation.field(at, "a number out of range"));
            }
        } else if (e instanceof JsonParseException) {
            code = ProblemCode.MALFORMED_JSON;
            detail = "The body is not valid JSON: " + e.getOriginalMessage();
        } else {
            code = ProblemCode.MALFORMED_JSON;
            detail = "The body cannot be read: " + e.getOriginalMessage();
        }
        return respond(Problem.of(code, detail, path(uri), errors));
    }

    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("Duplicate field '(.*)'");

    /**
     * The field a body names twice (Jackson's strict duplicate detection), with its parents ({@code amount.currency});
     * null if that is not what went wrong. Inside a nested value the parser's exception comes wrapped.
     */
    private static String duplicate(JsonProcessingException e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (!(c instanceof JsonParseException p)) {
                continue;
            }
            java.util.regex.Matcher m = DUPLICATE.matcher(String.valueOf(p.getOriginalMessage()));
            if (!m.matches()) {
                return null;
            }
            com.fasterxml.jackson.core.JsonParser parser = p.getProcessor();
            if (parser != null && parser.getParsingContext() != null && parser.getParsingContext().getParent() != null) {
                String parent = parser.getParsingContext().getParent().pathAsPointer().toString();
                if (!parent.isEmpty()) {
                    return parent.substring(1).replace('/', '.') + "." + m.group(1);
                }
            }
            return m.group(1);
        }
        return null;
    }

    @ServerExceptionMapper
    public Response constraints(ConstraintViolationException e, UriInfo uri) {
        List<MyriadProblem.Violation> errors = e.getConstraintViolations().stream()
                .map(v -> MyriadProblem.Violation.field(field(v), v.getMessage()))
                .sorted(Comparator.comparing(MyriadProblem.Violation::field))
                .toList();
        String detail = errors.stream().map(v -> v.field() + ": " + v.reason()).collect(Collectors.joining("; "));
        return respond(Problem.of(ProblemCode.VALIDATION_FAILED, detail, path(uri), errors));
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e, UriInfo uri, HttpHeaders headers) {
        boolean sent = headers != null && headers.getHeaderString(HttpHeaders.AUTHORIZATION) != null;
        TokenRefusal refusal = sent ? TokenRefusal.of(e) : TokenRefusal.MISSING;
        Response r = respond(Problem.of(ProblemCode.UNAUTHENTICATED, refusal.detail(), path(uri)));
        return Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, refusal.challenge()).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(Problem.of(ProblemCode.FORBIDDEN, "Your roles do not allow this operation", path(uri)));
    }

    @ServerExceptionMapper
    public Response identityProviderDown(io.quarkus.oidc.OIDCException e, UriInfo uri) {
        LOG.warnf("Identity provider unavailable: %s", e.getMessage());
        return Response.fromResponse(respond(Problem.of(ProblemCode.IDENTITY_PROVIDER_UNAVAILABLE,
                "The identity provider cannot be reached to verify your token; retry shortly", path(uri))))
                .header("Retry-After", "5").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri, jakarta.ws.rs.core.Request request) {
        int status = e.getResponse().getStatus();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof JsonProcessingException json) {
                return json(json, uri);
            }
            if (c instanceof MyriadProblem p) {
                return problem(p, uri);
            }
        }
        if (status >= 500) {
            LOG.error("Request failed", e);
            return respond(Problem.of(ProblemCode.INTERNAL, "The request failed on our side; it is logged", path(uri)));
        }
        ProblemCode code = switch (status) {
            case 401 -> ProblemCode.UNAUTHENTICATED;
            case 403 -> ProblemCode.FORBIDDEN;
            case 404 -> ProblemCode.NOT_FOUND;
            case 405 -> ProblemCode.METHOD_NOT_ALLOWED;
            case 406 -> ProblemCode.NOT_ACCEPTABLE;
            case 413 -> ProblemCode.PAYLOAD_TOO_LARGE;
            case 414 -> ProblemCode.URI_TOO_LONG;
            case 415 -> ProblemCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ProblemCode.BAD_REQUEST;
        };
        if (code == ProblemCode.NOT_FOUND && uri != null && request != null
                && takesOtherMethods(uri.getRequestUri().getRawPath(), request.getMethod())) {
            // The REST layer answers 404 when the classes it tries for a path all lack the method, where the route
            // table knows the path: that is a wrong method, not a missing route.
            code = ProblemCode.METHOD_NOT_ALLOWED;
        }
        Response r = respond(Problem.of(code, detail(e, code), path(uri)));
        if (code == ProblemCode.METHOD_NOT_ALLOWED && uri != null) {
            String allow = routes.allowHeader(uri.getRequestUri().getRawPath());
            if (allow != null) {
                r = Response.fromResponse(r).header(HttpHeaders.ALLOW, allow).build();
            }
        }
        return r;
    }

    private boolean takesOtherMethods(String path, String method) {
        java.util.Set<String> allowed = routes.allowed(path);
        return !allowed.isEmpty() && !allowed.contains("HEAD".equals(method) ? "GET" : method);
    }

    /** The detail of a client error that JAX-RS raised itself; its own messages ("HTTP 400 Bad Request") say nothing. */
    private static String detail(WebApplicationException e, ProblemCode code) {
        return switch (code) {
            case NOT_FOUND -> "No such route; see /q/openapi for the API's routes";
            case METHOD_NOT_ALLOWED -> "This route does not take this method; the Allow header lists those it takes";
            case NOT_ACCEPTABLE -> "The Accept header asks for a media type this route does not produce "
                    + "(application/json, and application/problem+json for errors)";
            case UNSUPPORTED_MEDIA_TYPE -> "This route does not take a body of this Content-Type; see the contract";
            default -> "The request cannot be read: " + e.getMessage();
        };
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.error("Unexpected failure", e);
        return respond(Problem.of(ProblemCode.INTERNAL,
                "The request failed on our side; it is logged", path(uri)));
    }

    /**
     * The answer of a problem, naming the request ({@link city.myriad.platform.http.RequestIds}): for the filters that
     * refuse a request before any route sees it.
     */
    public static Response respond(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE)
                .entity(p.withRequestId(city.myriad.platform.http.RequestIds.current())).build();
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }

    /** The number-out-of-range error behind {@code e} (itself, or the cause of a mapping error), or null. */
    private static InputCoercionException outOfRange(JsonProcessingException e) {
        if (e instanceof InputCoercionException c) {
            return c;
        }
        return e instanceof JsonMappingException && e.getCause() instanceof InputCoercionException c ? c : null;
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

    /**
     * The field as the client names it. Paths look like "create.body.jobClass": keep the part after the parameter,
     * with the last property under its JSON name ({@code class} for a component annotated
     * {@code @JsonProperty("class")}), so that the error names what the request carried.
     */
    private static String field(ConstraintViolation<?> v) {
        String p = v.getPropertyPath().toString();
        String[] parts = p.split("\\.", 3);
        String field = parts.length == 3 ? parts[2] : parts[parts.length - 1];
        String property = null;
        for (Path.Node node : v.getPropertyPath()) {
            property = node.getName();
        }
        Object bean = v.getLeafBean();
        if (property == null || bean == null || !field.endsWith(property)) {
            return field;
        }
        String json = jsonName(bean.getClass(), property);
        return field.substring(0, field.length() - property.length()) + json;
    }

    private static String jsonName(Class<?> type, String property) {
        try {
            JsonProperty named = type.getDeclaredField(property).getAnnotation(JsonProperty.class);
            return named == null || named.value().isEmpty() ? property : named.value();
        } catch (NoSuchFieldException e) {
            return property;  // a method parameter (a query or path parameter): named as declared
        }
    }
}
