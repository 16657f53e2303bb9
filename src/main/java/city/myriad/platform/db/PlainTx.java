package city.myriad.platform.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Transactions on the plain PostgreSQL client (for set-based statements and streams), scoped for row-level
 * security as {@link Scoped} scopes the ORM's: one tenant, or the whole platform.
 *
 * <p>The scope's {@code set_config} is pipelined with the work's first statement: both are written to the
 * connection before either answer is read (the client keeps their order, and PostgreSQL runs a connection's
 * statements in the order they arrive), so scoping costs no round trip of its own.
 */
@ApplicationScoped
public class PlainTx {

    private final Pool pool;

    PlainTx(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> asPlatform(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(c -> pipelined(platformScope(c), () -> work.apply(c)));
    }

    /** Sets the transaction on {@code c} to see every tenant's rows (row-level security's platform scope). */
    public static Uni<?> platformScope(SqlConnection c) {
        return c.query("select set_config('myriad.scope', 'platform', true)").execute();
    }

    public <T> Uni<T> asTenant(UUID tenantId, Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(c -> pipelined(c.preparedQuery("select set_config('myriad.tenant_id', $1, true)")
                .execute(Tuple.of(tenantId.toString())), () -> work.apply(c)));
    }

    /**
     * {@code first}, then {@code then}'s statements, sent without waiting for {@code first}'s answer; the result is
     * {@code then}'s, and a failure of either fails it (and so rolls the transaction back).
     */
    public static <F, T> Uni<T> pipelined(Uni<F> first, Supplier<Uni<T>> then) {
        return Uni.combine().all().unis(first, Uni.createFrom().<T>deferred(then::get)).with((f, t) -> t);
    }

    /** Platform scope when {@code tenantId} is null, else that tenant's. */
    public <T> Uni<T> in(UUID tenantId, Function<SqlConnection, Uni<T>> work) {
        return tenantId == null ? asPlatform(work) : asTenant(tenantId, work);
    }
}
