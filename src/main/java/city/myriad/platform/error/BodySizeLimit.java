package city.myriad.platform.error;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request body above {@code myriad.http.max-body-size} (16 MiB) with a 413 problem+json before it is
 * read. The HTTP server's own limit ({@code quarkus.http.limits.max-body-size}) is set higher as a last resort
 * for bodies without a Content-Length: it only closes the connection.
 */
public class BodySizeLimit {

    private final long maxBytes;

    BodySizeLimit(@ConfigProperty(name = "myriad.http.max-body-size", defaultValue = "16777216") long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        try {
            if (Long.parseLong(length.strip()) <= maxBytes) {
                return null;
            }
        } catch (NumberFormatException e) {
            return ProblemMapper.respond(Problem.of(400, "Invalid request", "BAD_CONTENT_LENGTH",
                    "Content-Length is not a number", request.getUriInfo().getRequestUri().getRawPath(), List.of()));
        }
        return Response.fromResponse(ProblemMapper.respond(Problem.of(413, "Request Entity Too Large",
                "PAYLOAD_TOO_LARGE", "The body is larger than " + (maxBytes / (1024 * 1024)) + " MiB",
                request.getUriInfo().getRequestUri().getRawPath(), List.of()))).header("Connection", "close").build();
    }
}
