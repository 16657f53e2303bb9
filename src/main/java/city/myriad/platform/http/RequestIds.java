package city.myriad.platform.http;

import io.opentelemetry.api.trace.Span;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;

/**
 * Every request has an id, and every answer names it in {@code X-Request-Id}; every log line written while the
 * request is served carries it ({@code requestId} in the log's MDC), and every problem body repeats it
 * ({@code requestId}): a tenant who quotes it from a 500 lets support find exactly that request's log lines. A
 * caller (a gateway, an SDK) may send its own id, which is kept if it is 1-128 characters of letters, digits and
 * {@code . _ : -} (nothing that could forge a log line); otherwise, or without one, a random UUID. Where tracing is on,
 * the request's span carries it ({@code myriad.request_id}), so the id a tenant quotes also finds the trace. Installed before
 * every other route handler, so that 404s, 405s, refused tokens and CORS preflights carry it too.
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    /** The MDC key, and the routing context's. */
    public static final String KEY = "requestId";
    /** The request's span attribute holding its id (a no-op span while tracing is off). */
    public static final String SPAN_ATTRIBUTE = "myriad.request_id";
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
    }

    /** The id of a request that sent {@code given} (null: none). */
    static String idFor(String given) {
        return given != null && ACCEPTED.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }

    private void handle(RoutingContext rc) {
        String id = idFor(rc.request().getHeader(HEADER));
        rc.put(KEY, id);
        rc.response().putHeader(HEADER, id);
        MDC.put(KEY, id);
        // Where tracing is on, the request's span names it too: the id a tenant quotes finds the trace.
        Span.current().setAttribute(SPAN_ATTRIBUTE, id);
        rc.addEndHandler(done -> MDC.remove(KEY));
        rc.next();
    }

    /** The id of the request being served on this thread's context, or null outside one. */
    public static String current() {
        Object id = MDC.get(KEY);
        return id == null ? null : id.toString();
    }
}
