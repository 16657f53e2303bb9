package city.myriad.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Conditional GET (RFC 9110, section 13): every JSON answer of a GET or HEAD carries a strong {@code ETag}, the hash
 * of its bytes ({@link EntityTags}), and {@code Cache-Control: private, no-cache} (a client may keep it, never a
 * shared cache, and asks again each time). A GET whose {@code If-None-Match} names the tag is answered 304 with no
 * body: a portal polling a job, a page of nodes or an invoice pays a round trip and not the body, and a browser does
 * it by itself. The same tag is what {@code If-Match} on a replacing PUT compares against ({@link Preconditions}).
 *
 * <p>The body is serialized here, once, with the application's mapper, and sent as those bytes: the tag is the hash
 * of exactly what goes on the wire (before any gzip, which the tag does not see: RFC 9110 tags the representation).
 */
public class ConditionalGet {

    private static final MediaType JSON_UTF8 = MediaType.APPLICATION_JSON_TYPE.withCharset("UTF-8");
    private static final Annotation[] NONE = new Annotation[0];

    private final ObjectMapper json;

    ConditionalGet(ObjectMapper json) {
        this.json = json;
    }

    @ServerResponseFilter
    public void tag(ContainerRequestContext request, ContainerResponseContext response) throws JsonProcessingException {
        String method = request.getMethod();
        if (!("GET".equals(method) || "HEAD".equals(method)) || response.getStatus() != 200 || !response.hasEntity()) {
            return;
        }
        Object entity = response.getEntity();
        MediaType type = response.getMediaType();
        if (type == null || !MediaType.APPLICATION_JSON_TYPE.isCompatible(type) || entity instanceof byte[]
                || entity instanceof CharSequence || entity instanceof InputStream
                || entity instanceof jakarta.ws.rs.core.StreamingOutput
                || entity instanceof org.reactivestreams.Publisher<?> || entity instanceof java.util.concurrent.Flow.Publisher<?>) {
            return;  // streamed or already written: not a representation this filter can hash
        }
        byte[] body = json.writeValueAsBytes(entity);
        String tag = EntityTags.of(body);
        response.getHeaders().putSingle(HttpHeaders.ETAG, tag);
        response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "private, no-cache");
        if (EntityTags.listMatches(request.getHeaderString(HttpHeaders.IF_NONE_MATCH), tag, true)) {
            response.setStatus(304);
            response.setEntity(null);
            response.getHeaders().remove(HttpHeaders.CONTENT_TYPE);
            return;
        }
        response.setEntity(body, NONE, JSON_UTF8);
    }
}
