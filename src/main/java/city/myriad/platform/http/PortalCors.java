package city.myriad.platform.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Cross-origin reads for the portal, which runs on an origin of its own (https://portal.myriad.example beside
 * https://api.myriad.example). A request from a listed origin gets {@code Access-Control-Allow-Origin} and the
 * response headers a client reads ({@code Location}, {@code Retry-After}, {@code Allow},
 * {@code Idempotent-Replayed}, {@code Content-Disposition}, {@code ETag}, {@code X-Request-Id}); its preflight is answered here, 204 with the methods
 * and request headers the API takes, cached 10 minutes. A request from any other origin is served as if it had no
 * {@code Origin}: without those headers the browser keeps the answer from the page, and every error keeps its
 * problem+json body (Quarkus's own CORS filter answers such a request 403 with no body). Nothing is refused
 * server-side: the API authenticates by bearer token, never by cookie, so a foreign page cannot act with a
 * visitor's credentials. Clients that send no {@code Origin} (servers, curl, the SDKs) are not concerned.
 */
@ApplicationScoped
public class PortalCors {

    static final String METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    /** What the API reads, and what lets a page name its request ({@code X-Request-Id}) or join its trace (W3C). */
    static final String REQUEST_HEADERS = "Authorization, Content-Type, Accept, Idempotency-Key, If-Match, If-None-Match, "
            + "X-Request-Id, traceparent, tracestate";
    static final String EXPOSED = "Location, Retry-After, Allow, Idempotent-Replayed, Content-Disposition, ETag, X-Request-Id, "
            + "RateLimit, RateLimit-Policy";
    static final String MAX_AGE_S = "600";
    /** Any port of the loopback host, over http or https: a portal under development beside the dev start. */
    private static final Pattern LOCAL = Pattern.compile("https?://(localhost|127\\.0\\.0\\.1|\\[::1])(:[0-9]{1,5})?");

    private final Set<String> origins;
    private final boolean localOrigins;

    PortalCors(@ConfigProperty(name = "myriad.http.cors.origins") Optional<List<String>> origins,
            @ConfigProperty(name = "myriad.http.cors.local-origins", defaultValue = "false") boolean localOrigins) {
        this.origins = Set.copyOf(origins.orElse(List.of()).stream().map(String::strip)
                .filter(o -> !o.isEmpty()).toList());
        this.localOrigins = localOrigins;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 10).handler(this::handle);
    }

    boolean allowed(String origin) {
        return origin != null && (origins.contains(origin) || (localOrigins && LOCAL.matcher(origin).matches()));
    }

    private void handle(RoutingContext rc) {
        String origin = rc.request().getHeader("Origin");
        if (origin == null) {
            rc.next();
            return;
        }
        HttpServerResponse response = rc.response();
        response.headers().add("Vary", "Origin");
        if (!allowed(origin)) {
            rc.next();
            return;
        }
        response.putHeader("Access-Control-Allow-Origin", origin);
        if (rc.request().method() == HttpMethod.OPTIONS
                && rc.request().getHeader("Access-Control-Request-Method") != null) {
            response.putHeader("Access-Control-Allow-Methods", METHODS)
                    .putHeader("Access-Control-Allow-Headers", REQUEST_HEADERS)
                    .putHeader("Access-Control-Max-Age", MAX_AGE_S)
                    .setStatusCode(204).end();
            return;
        }
        response.putHeader("Access-Control-Expose-Headers", EXPOSED);
        rc.next();
    }
}
