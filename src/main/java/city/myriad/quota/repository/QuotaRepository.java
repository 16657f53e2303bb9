package city.myriad.quota.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Quota documents of one tenant, by scope ({@code tenant} or {@code project:<id>}). Runs in the caller's transaction. */
@ApplicationScoped
public class QuotaRepository {

    /** A stored quota document, as JSON, with who set it when. */
    public record Stored(String document, Instant updatedAt, String updatedBy) {}

    public Uni<Optional<Stored>> find(UUID tenantId, String scope) {
        return SessionSql.select("""
                        select document, updated_at, updated_by from quotas where tenant_id = :tenant and scope = :scope""")
                .setParameter("tenant", tenantId)
                .setParameter("scope", scope)
                .getResultList()
                .map(rows -> rows.stream().findFirst().map(r -> new Stored((String) r[0], SqlTimes.instant(r[1]), (String) r[2])));
    }

    /** The documents of several scopes of one tenant, by scope (absent: none set). */
    public Uni<java.util.Map<String, Stored>> findAll(UUID tenantId, List<String> scopes) {
        return SessionSql.select("""
                        select scope, document, updated_at, updated_by from quotas
                         where tenant_id = :tenant and scope = any(:scopes)""")
                .setParameter("tenant", tenantId)
                .setParameter("scopes", scopes.toArray(String[]::new))
                .getResultList()
                .map(rows -> {
                    java.util.Map<String, Stored> byScope = new java.util.HashMap<>();
                    rows.forEach(r -> byScope.put((String) r[0], new Stored((String) r[1], SqlTimes.instant(r[2]),
                            (String) r[3])));
                    return byScope;
                });
    }

    /** A stored document with its owner and scope. */
    public record Row(UUID tenantId, String scope, String document) {}

    /** Every document of every tenant (a platform transaction): for the meter's alerts. */
    public Uni<List<Row>> all() {
        return SessionSql.select("select tenant_id, scope, document from quotas order by tenant_id, scope")
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Row((UUID) r[0], (String) r[1], (String) r[2])).toList());
    }

    /**
     * Serialises the writes of one scope's document until the transaction ends (across replicas), so that a
     * conditional write reads, compares and replaces it as one step. The row may not exist yet: a lock by key.
     */
    public Uni<Void> lock(UUID tenantId, String scope) {
        return SessionSql.lockUntilCommit("quotas/" + tenantId + "/" + scope);
    }

    public Uni<Void> put(UUID tenantId, String scope, Stored stored) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into quotas (tenant_id, scope, document, updated_at, updated_by)
                        values (:tenant, :scope, :document, :at, :by)
                        on conflict (tenant_id, scope) do update
                           set document = excluded.document, updated_at = excluded.updated_at,
                               updated_by = excluded.updated_by""")
                .setParameter("tenant", tenantId)
                .setParameter("scope", scope)
                .setParameter("document", stored.document())
                .setParameter("at", SqlTimes.utc(stored.updatedAt()))
                .setParameter("by", stored.updatedBy())
                .executeUpdate()).replaceWithVoid();
    }
}
