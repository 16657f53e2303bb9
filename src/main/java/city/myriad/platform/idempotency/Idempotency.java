package city.myriad.platform.idempotency;

import city.myriad.platform.db.SessionSql;
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
 * <p>The edge ({@link Creations}) reads the key and fingerprints the request; a use case only marks which part
 * of its work is the creation, inside its transaction, with {@link #once}. A failed write rolls the record back,
 * so a retry after an error runs again. See docs/design/idempotency.md.
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

    /** Whether the creating request in flight carries an Idempotency-Key (then {@link #once} needs its session). */
    public boolean keyed() {
        return IdempotentCreate.current().map(r -> r.key() != null).orElse(false);
    }

    /**
     * Runs the creating work of the request in flight once per (caller, tenant scope, Idempotency-Key); a request
     * without a key, or work outside a creating request, just runs.
     *
     * @param tenantId the tenant the write belongs to, or null for platform-level writes
     * @param view the type of the view the work returns; a replay is read back into it
     * @param create the write, inside the caller's transaction
     */
    public <V> Uni<V> once(UUID tenantId, Class<V> view, Supplier<Uni<V>> create) {
        IdempotentCreate request = IdempotentCreate.current().orElse(null);
        if (request == null || request.key() == null) {
            return create.get();
        }
        // A platform admin acts in many tenants: each tenant (and the platform itself) is a scope of its own, so
        // the same key in two tenants names two independent writes, and row-level security never hides a record.
        String scope = request.caller() + "|" + (tenantId == null ? "platform" : tenantId);
        String key = request.key();
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into idempotency_records (scope, idempotency_key, tenant_id, request_hash, created_at)
                        values (:scope, :key, :tenant, :hash, :now)
                        on conflict do nothing""")
                .setParameter("scope", scope)
                .setParameter("key", key)
                .setParameter("tenant", tenantId)
                .setParameter("hash", request.fingerprint())
                .setParameter("now", OffsetDateTime.now(clock))
                .executeUpdate()
                .chain(inserted -> inserted == 1
                        ? create.get().call(v -> s.createNativeQuery("""
                                        update idempotency_records
                                           set response_status = 201, response_body = :body
                                         where scope = :scope and idempotency_key = :key""")
                                .setParameter("body", serialise(v))
                                .setParameter("scope", scope)
                                .setParameter("key", key)
                                .executeUpdate())
                        : replay(scope, key, request, view)));
    }

    private <V> Uni<V> replay(String scope, String key, IdempotentCreate request, Class<V> view) {
        return SessionSql.select("""
                        select request_hash, response_body
                          from idempotency_records where scope = :scope and idempotency_key = :key""")
                .setParameter("scope", scope)
                .setParameter("key", key)
                .first()
                .map(found -> {
                    Object[] row = found.orElse(null);
                    if (row == null || !request.fingerprint().equals(row[0])) {
                        throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED,
                                "This Idempotency-Key was used for a different request; use a new key");
                    }
                    request.markReplayed();
                    try {
                        return json.readValue((String) row[1], view);
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("A stored response no longer reads as " + view.getSimpleName(), e);
                    }
                });
    }

    private String serialise(Object view) {
        try {
            return json.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise a response", e);
        }
    }

    /** The fingerprint of a creating request: its method and path, and its body in a canonical form. */
    static String fingerprint(String operation, Object request) {
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

}
