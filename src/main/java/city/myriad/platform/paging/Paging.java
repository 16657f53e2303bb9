package city.myriad.platform.paging;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Cursor paging for every list. A cursor is the last key of the previous page with an HMAC-SHA256 tag over that
 * key and the list it came from: the request path plus every query parameter but {@code cursor} and
 * {@code limit}. So a cursor works only for the list and filters that issued it, cannot be forged to start
 * anywhere, and says nothing a client should build on. The key comes from {@code myriad.paging.cursor-secret};
 * without one, each process draws its own (cursors then do not survive a restart or cross replicas). Rotating it: the
 * new secret there and the old one in {@code myriad.paging.previous-cursor-secrets} (comma-separated): cursors are
 * issued under the new key only, and those a client holds from before still open until the old secret is dropped,
 * so no client paging through a list during a rollout starts over.
 */
@ApplicationScoped
public class Paging {

    static final String FOREIGN_CURSOR = "cursor was issued for another list, other filters or another deployment; "
            + "pass the nextCursor of this list's previous page, or start again without a cursor";
    private static final Logger LOG = Logger.getLogger(Paging.class);
    private static final int TAG_BYTES = 16;

    private final CurrentVertxRequest current;
    private final SecretKeySpec key;
    /** Keys of secrets before a rotation: cursors tagged with them still open; none is issued with them. */
    private final java.util.List<SecretKeySpec> previous;

    Paging(CurrentVertxRequest current, @ConfigProperty(name = "myriad.paging.cursor-secret") Optional<String> secret,
            @ConfigProperty(name = "myriad.paging.previous-cursor-secrets") Optional<java.util.List<String>> before) {
        this.current = current;
        this.previous = before.orElse(java.util.List.of()).stream().filter(p -> !p.isBlank())
                .map(p -> new SecretKeySpec(p.getBytes(StandardCharsets.UTF_8), "HmacSHA256")).toList();
        byte[] bytes;
        if (secret.isPresent() && !secret.get().isBlank()) {
            bytes = secret.get().getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            LOG.info("No myriad.paging.cursor-secret: cursors are signed with a key of this process only");
        }
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
    }

    /** The page the current request asks for, with its raw {@code cursor} and {@code limit} parameters. */
    public PageRequest request(String cursor, String limit) {
        int l = PageRequest.limit(limit);
        String list = listOf(current.getCurrent().request());
        Optional<String> after = cursor == null || cursor.isEmpty() ? Optional.empty()
                : Optional.of(open(list, cursor));
        return new PageRequest(after, l, last -> issue(list, last));
    }

    /** The identity of the list being paged: path and filters, in a canonical order. */
    static String listOf(HttpServerRequest request) {
        TreeMap<String, java.util.List<String>> filters = new TreeMap<>();
        for (String name : request.params().names()) {
            if (!name.equals("cursor") && !name.equals("limit")) {
                filters.put(name, request.params().getAll(name));
            }
        }
        return request.path() + "?" + filters;
    }

    String issue(String list, String lastKey) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(lastKey.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(tag(key, list,
                lastKey));
    }

    String open(String list, String cursor) {
        int dot = cursor.indexOf('.');
        if (dot < 1 || dot != cursor.lastIndexOf('.') || cursor.length() > 600) {
            throw malformed();
        }
        String lastKey;
        byte[] tag;
        try {
            lastKey = new String(Base64.getUrlDecoder().decode(cursor.substring(0, dot)), StandardCharsets.UTF_8);
            tag = Base64.getUrlDecoder().decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
        if (!MessageDigest.isEqual(tag, tag(key, list, lastKey))
                && previous.stream().noneMatch(k -> MessageDigest.isEqual(tag, tag(k, list, lastKey)))) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CURSOR, FOREIGN_CURSOR,
                    java.util.List.of(MyriadProblem.Violation.field("cursor", "not issued for this list")));
        }
        return lastKey;
    }

    private static MyriadProblem.Validation malformed() {
        return new MyriadProblem.Validation(ProblemCode.INVALID_CURSOR,
                "cursor is malformed: pass the nextCursor of the previous page unchanged, or start without one",
                java.util.List.of(MyriadProblem.Violation.field("cursor", "malformed")));
    }

    private static byte[] tag(SecretKeySpec key, String list, String lastKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(list.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            byte[] full = mac.doFinal(lastKey.getBytes(StandardCharsets.UTF_8));
            return java.util.Arrays.copyOf(full, TAG_BYTES);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
