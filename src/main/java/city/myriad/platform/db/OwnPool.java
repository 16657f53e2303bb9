package city.myriad.platform.db;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.VertxOptions;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A small PostgreSQL pool on a Vert.x event loop of its own, for the service's background loops (the scheduling
 * loops' reads and commits): their statements never queue behind HTTP requests on the service's event loops, so a
 * cycle is not slowed by the very traffic it schedules. Blocking use only, from the loops' own threads; each unit
 * of work is one transaction in the platform's row-level-security scope. Opened at first use, closed at shutdown.
 */
@ApplicationScoped
public class OwnPool {

    /** A statement that waits longer than this is a stuck database: the loop fails its cycle and rebuilds. */
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    private final String url;
    private final Optional<String> user;
    private final Optional<String> password;
    private io.vertx.core.Vertx vertx;
    private Pool pool;

    OwnPool(@ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * Runs {@code work} in one transaction that sees every tenant's rows, and waits for its outcome; the scope is
     * pipelined with the work's first statement, as {@link PlainTx} does.
     */
    public <T> T platform(Function<SqlConnection, Uni<T>> work) {
        return pool().withTransaction(c -> PlainTx.pipelined(PlainTx.platformScope(c), () -> work.apply(c)))
                .await().atMost(AT_MOST);
    }

    private synchronized Pool pool() {
        if (pool == null) {
            PgConnectOptions connect = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
            user.ifPresent(connect::setUser);
            password.ifPresent(connect::setPassword);
            vertx = io.vertx.core.Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                    .setInternalBlockingPoolSize(1));
            pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(connect)
                    .using(vertx).build());
        }
        return pool;
    }

    /** After the loops have stopped (observers of a higher priority value are told later). */
    synchronized void close(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) ShutdownEvent event) {
        if (pool != null) {
            pool.closeAndAwait();
            vertx.close().toCompletionStage().toCompletableFuture().join();
            pool = null;
        }
    }
}
