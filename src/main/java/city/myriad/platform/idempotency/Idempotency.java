package city.myriad.platform.idempotency;

import city.myriad.platform.TextRules;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Makes a creating write safe to retry. The first request with a key runs and its response is stored in the
 * same transaction; a later request with the same key and the same body gets that stored response, and one
 * with the same key and a different body gets 409 {@code IDEMPOTENCY_KEY_REUSED}. The primary key on
 * (scope, key) is what enforces it: a concurrent duplicate waits on the first one's insert and then replays.
 *
 * <p>Must be called inside the transaction of the write it guards. A failed write rolls the record back, so
 * a retry after an error runs again.
 */
@ApplicationScoped
public class Idempotency {

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .findAndAddModules()
            .build();

    private final ObjectMapper json;
    private final Clock clock;

    public Idempotency(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /**
     * Runs {@code create} once per (scope, key).
     *
     * @param caller who asked: the caller's subject, so that two callers never share keys
     * @param tenantId the tenant the write belongs to, or null for platform-level writes
     * @param key the client's Idempotency-Key header; null runs {@code create} without a record
     * @param operation the route, part of the fingerprint (same key on two routes is a conflict)
     * @param request the request body, part of the fingerprint
     */
    public Uni<StoredResponse> once(String caller, UUID tenantId, String key, String operation, Object request,
            Supplier<Uni<Created<?>>> create) {
        if (key == null) {
            return create.get().map(this::store);
        }
        if (key.isBlank() || key.length() > 255 || TextRules.problem(key, false) != null) {
            return Uni.createFrom().failure(new MyriadProblem.Validation(ProblemCode.INVALID_IDEMPOTENCY_KEY,
                    "Idempotency-Key must be 1 to 255 printable characters"));
        }
        // A platform admin acts in many tenants: each tenant (and the platform itself) is a scope of its own, so
        // the same key in two tenants names two independent writes, and row-level security never hides a record.
        String scope = caller + "|" + (tenantId == null ? "platform" : tenantId);
        String fingerprint = fingerprint(operation, request);
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into idempotency_records (scope, idempotency_key, tenant_id, request_hash, created_at)
                        values (:scope, :key, :tenant, :hash, :now)
                        on conflict do nothing""")
                .setParameter("scope", scope)
                .setParameter("key", key)
                .setParameter("tenant", tenantId)
                .setParameter("hash", fingerprint)
                .setParameter("now", OffsetDateTime.now(clock))
                .executeUpdate()
                .chain(inserted -> inserted == 1
                        ? create.get().map(this::store).call(r -> s.createNativeQuery("""
                                        update idempotency_records
                                           set response_status = :status, response_body = :body,
                                               response_location = :location
                                         where scope = :scope and idempotency_key = :key""")
                                .setParameter("status", r.status())
                                .setParameter("body", r.body())
                                .setParameter("location", r.location())
                                .setParameter("scope", scope)
                                .setParameter("key", key)
                                .executeUpdate())
                        : replay(s, scope, key, fingerprint)));
    }

    private Uni<StoredResponse> replay(org.hibernate.reactive.mutiny.Mutiny.Session s, String scope, String key,
            String fingerprint) {
        return s.createNativeQuery("""
                        select request_hash, response_status, response_body, response_location
                          from idempotency_records where scope = :scope and idempotency_key = :key""", Object[].class)
                .setParameter("scope", scope)
                .setParameter("key", key)
                .getSingleResultOrNull()
                .map(row -> {
                    if (row == null) {
                        throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED,
                                "This Idempotency-Key is in use for another request; use a new key");
                    }
                    if (!fingerprint.equals(row[0])) {
                        throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED,
                                "This Idempotency-Key was used for a different request; use a new key");
                    }
                    return new StoredResponse(((Number) row[1]).intValue(), (String) row[2], (String) row[3], true);
                });
    }

    private StoredResponse store(Created<?> created) {
        try {
            return new StoredResponse(201, json.writeValueAsString(created.body()), created.location(), false);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise a response", e);
        }
    }

    private static String fingerprint(String operation, Object request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(operation.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] body = request instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                    : CANONICAL.writeValueAsBytes(request);
            return HexFormat.of().formatHex(sha.digest(body));
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("Cannot fingerprint a request", e);
        }
    }

    /** What a creating use case returns: the new resource and where it lives. */
    public record Created<T>(T body, String location) {}

    /** The response to send, first or replayed; {@code replayed} is true for a stored one. */
    public record StoredResponse(int status, String body, String location, boolean replayed) {}
}
