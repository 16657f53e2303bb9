package city.myriad.platform.db;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Opens the transactions of the service and sets the row-level-security scope in them: either one tenant
 * ({@code myriad.tenant_id}) or the whole platform ({@code myriad.scope = 'platform'}). The setting is
 * transaction-local, so a pooled connection never carries one caller's scope into another's work.
 */
@ApplicationScoped
public class Scoped {

    /** Runs {@code work} in a transaction that sees and writes only {@code tenantId}'s rows. */
    public <T> Uni<T> asTenant(UUID tenantId, Supplier<Uni<T>> work) {
        return Panache.withTransaction(() -> set("myriad.tenant_id", tenantId.toString()).chain(ignored -> work.get()));
    }

    /** Runs {@code work} in a transaction that sees every tenant's rows: platform-admin use cases only. */
    public <T> Uni<T> asPlatform(Supplier<Uni<T>> work) {
        return Panache.withTransaction(() -> set("myriad.scope", "platform").chain(ignored -> work.get()));
    }

    /** Runs {@code work} in a transaction without tenant scope: it sees the catalog but no tenant-owned row. */
    public <T> Uni<T> unscoped(Supplier<Uni<T>> work) {
        return Panache.withTransaction(work);
    }

    /**
     * Run as an update, not a select: Hibernate Reactive (3.2) caches no native select's plan (its result mapping
     * equals only itself), so each one stores one more copy of its plan, and this statement runs in every
     * transaction. An update's plan is cached by its SQL alone.
     */
    private static Uni<Integer> set(String name, String value) {
        return Panache.getSession().chain(s -> s.createNativeQuery("select set_config(:name, :value, true)")
                .setParameter("name", name)
                .setParameter("value", value)
                .executeUpdate());
    }
}
