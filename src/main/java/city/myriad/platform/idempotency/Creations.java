package city.myriad.platform.idempotency;

import city.myriad.platform.Identified;
import city.myriad.platform.TextRules;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one way a creating route answers, at the REST edge: it reads the {@code Idempotency-Key}, fingerprints the
 * request (method, path, body) for {@link Idempotency#once}, runs the use case, and turns the view it returns
 * into {@code 201 Created} with {@code Location} and {@code Idempotent-Replayed}. Use cases return domain views and
 * know nothing of keys, routes or URLs.
 *
 * <p>{@code Location} is never built from the request's {@code Host} header, which the caller controls: it is
 * the new resource's path (a relative reference, RFC 9110 section 10.2.2), or the configured
 * {@code myriad.http.public-base-url} followed by it.
 */
@ApplicationScoped
public class Creations {

    public static final String KEY = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";

    private final CurrentVertxRequest request;
    private final Optional<String> publicBase;

    Creations(CurrentVertxRequest request,
            @ConfigProperty(name = "myriad.http.public-base-url") Optional<String> publicBase) {
        this.request = request;
        this.publicBase = publicBase.map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .filter(s -> !s.isBlank());
    }

    /** 400 INVALID_IDEMPOTENCY_KEY unless the key is absent or 1 to 255 printable characters. */
    public static void checkKey(String key) {
        if (key != null && (key.isBlank() || key.length() > 255 || TextRules.problem(key, false) != null)) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_IDEMPOTENCY_KEY,
                    "Idempotency-Key must be 1 to 255 printable characters");
        }
    }

    /** Runs the creation of {@code body} by {@code caller} once per key, and answers 201 with where it lives. */
    public <V extends Identified> Uni<Response> create(Caller caller, String key, Object body,
            Supplier<Uni<V>> useCase) {
        try {
            checkKey(key);
        } catch (MyriadProblem.Validation e) {
            return Uni.createFrom().failure(e);
        }
        String path = request.getCurrent().request().path();
        String route = request.getCurrent().request().method().name() + " " + path;
        // Only a keyed request is ever compared with another: the others are not fingerprinted (a hash of the body).
        IdempotentCreate create = new IdempotentCreate(caller.subject(), key,
                key == null ? null : Idempotency.fingerprint(route, body));
        IdempotentCreate.begin(create);
        return Uni.createFrom().<V>deferred(useCase::get).map(view -> Response.status(Response.Status.CREATED)
                .type(MediaType.APPLICATION_JSON)
                .entity(view)
                .header(HttpHeaders.LOCATION, publicBase.orElse("") + path + "/" + view.id())
                .header(REPLAYED, String.valueOf(create.replayed()))
                .build());
    }
}
