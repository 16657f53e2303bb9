package city.myriad.platform.idempotency;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Turns a stored response into HTTP; a replay is marked with {@code Idempotent-Replayed: true}.
 *
 * <p>{@code Location} is never built from the request's {@code Host} header, which the caller controls: it is
 * the path alone (a relative reference, RFC 9110 section 10.2.2), or the configured
 * {@code myriad.http.public-base-url} followed by the path.
 */
public final class IdempotentResponses {

    public static final String REPLAYED = "Idempotent-Replayed";

    private IdempotentResponses() {}

    public static Response toResponse(Idempotency.StoredResponse r) {
        Response.ResponseBuilder b = Response.status(r.status()).type(MediaType.APPLICATION_JSON).entity(r.body());
        if (r.location() != null) {
            b.header(HttpHeaders.LOCATION, publicBase().map(base -> base + r.location()).orElse(r.location()));
        }
        b.header(REPLAYED, String.valueOf(r.replayed()));
        return b.build();
    }

    private static Optional<String> publicBase() {
        return ConfigProvider.getConfig().getOptionalValue("myriad.http.public-base-url", String.class)
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .filter(s -> !s.isBlank());
    }
}
