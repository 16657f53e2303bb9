package city.myriad.platform.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.function.Function;

/**
 * Transactions on the plain PostgreSQL client (for set-based statements and streams), scoped for row-level
 * security as {@link Scoped} scopes the ORM's: one tenant, or the whole platform.
 */
@ApplicationScoped
public class PlainTx {

    private final Pool pool;

    PlainTx(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> asPlatform(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> work.apply(c)));
    }

    public <T> Uni<T> asTenant(UUID tenantId, Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(c -> c.preparedQuery("select set_config('myriad.tenant_id', $1, true)")
                .execute(Tuple.of(tenantId.toString())).chain(() -> work.apply(c)));
    }

    /** Platform scope when {@code tenantId} is null, else that tenant's. */
    public <T> Uni<T> in(UUID tenantId, Function<SqlConnection, Uni<T>> work) {
        return tenantId == null ? asPlatform(work) : asTenant(tenantId, work);
    }
}
