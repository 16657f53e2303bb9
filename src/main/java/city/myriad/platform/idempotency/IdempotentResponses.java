package city.myriad.platform.idempotency;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** Turns a stored response into HTTP; a replay is marked with {@code Idempotent-Replayed: true}. */
public final class IdempotentResponses {

    private IdempotentResponses() {}

    public static Response toResponse(Idempotency.StoredResponse r) {
        Response.ResponseBuilder b = Response.status(r.status()).type(MediaType.APPLICATION_JSON).entity(r.body());
        if (r.location() != null) {
            b.location(URI.create(r.location()));
        }
        if (r.replayed()) {
            b.header("Idempotent-Replayed", "true");
        }
        return b.build();
    }
}
