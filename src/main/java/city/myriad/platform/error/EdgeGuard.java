package city.myriad.platform.error;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import city.myriad.platform.TextRules;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The checks every request passes before any route sees it, each answered with a problem+json 4xx:
 * <ul>
 * <li>a body above {@code myriad.http.max-body-size} (16 MiB) is refused with 413 before it is read (the HTTP
 * server's own, higher limit only closes the connection of a body without a Content-Length);</li>
 * <li>a request line above {@code myriad.http.max-uri-length} (8 KiB) gets 414 (the server's own limit, set
 * higher, answers with an empty body);</li>
 * <li>a path or query that decodes to a NUL or another control character, or to bytes that are not UTF-8, gets
 * 400 {@code INVALID_CHARACTER}: PostgreSQL cannot store NUL, and no id, slug, name or cursor needs one;</li>
 * <li>an empty {@code Idempotency-Key} gets 400 (a client that sends the header means to be protected).</li>
 * </ul>
 */
public class EdgeGuard {

    private final long maxBodyBytes;
    private final int maxUriLength;

    EdgeGuard(@ConfigProperty(name = "myriad.http.max-body-size", defaultValue = "16777216") long maxBodyBytes,
            @ConfigProperty(name = "myriad.http.max-uri-length", defaultValue = "8192") int maxUriLength) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxUriLength = maxUriLength;
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(ContainerRequestContext request) {
        java.net.URI uri = request.getUriInfo().getRequestUri();
        String path = uri.getRawPath();
        String query = uri.getRawQuery();
        if (path.length() + (query == null ? 0 : query.length() + 1) > maxUriLength) {
            return refuse(ProblemCode.URI_TOO_LONG, "The path and query are longer than " + maxUriLength
                    + " characters; send large inputs in a body", path);
        }
        String bad = badCharacters(path);
        if (bad == null && query != null) {
            bad = badCharacters(query);
        }
        if (bad != null) {
            return refuse(ProblemCode.INVALID_CHARACTER, "The " + (badCharacters(path) != null ? "path" : "query")
                    + " " + bad, path);
        }
        String key = request.getHeaderString("Idempotency-Key");
        if (key != null && key.isBlank()) {
            return refuse(ProblemCode.INVALID_IDEMPOTENCY_KEY,
                    "Idempotency-Key is empty; send 1 to 255 characters, or leave the header out", path);
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return null;
        }
        try {
            if (Long.parseLong(length.strip()) <= maxBodyBytes) {
                return null;
            }
        } catch (NumberFormatException e) {
            return refuse(ProblemCode.BAD_CONTENT_LENGTH, "Content-Length is not a number", path);
        }
        return Response.fromResponse(refuse(ProblemCode.PAYLOAD_TOO_LARGE,
                "The body is larger than " + (maxBodyBytes / (1024 * 1024)) + " MiB", path))
                .header("Connection", "close").build();
    }

    private static Response refuse(ProblemCode code, String detail, String path) {
        return ProblemMapper.respond(Problem.of(code, detail, truncated(path)));
    }

    /** What is wrong with a raw (percent-encoded) path or query, or null if nothing is. */
    static String badCharacters(String raw) {
        if (raw.indexOf('%') < 0) {
            for (int i = 0; i < raw.length(); i++) {
                if (TextRules.isControl(raw.charAt(i))) {
                    return "holds a control character";
                }
            }
            return null;
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    bytes.put((byte) (hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            bytes.put((byte) c);
        }
        bytes.flip();
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            return "is not valid UTF-8 once percent-decoded";
        }
        for (int i = 0; i < decoded.length(); i++) {
            if (TextRules.isControl(decoded.charAt(i))) {
                return "holds a NUL or another control character once percent-decoded";
            }
        }
        return null;
    }

    private static String truncated(String path) {
        return path.length() > 200 ? path.substring(0, 200) + "…" : path;
    }
}
