package city.myriad.jobs.service;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Database sessions of their own for the scheduler's advisory locks: never taken from the pool, since a
 * session-level lock lives as long as its session, and a pooled connection handed back would keep the lock alive
 * for whoever borrows it next. Closing one of these ends the session, and PostgreSQL frees its locks at once.
 */
@Singleton
public class LockSessions {

    private final Vertx vertx;
    private final String url;
    private final String user;
    private final String password;

    LockSessions(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") java.util.Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password) {
        this.vertx = vertx;
        this.url = url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url;
        this.user = user.orElse(null);
        this.password = password.orElse(null);
    }

    /** A new session, not pooled. */
    SqlConnection open() {
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        if (user != null) {
            options.setUser(user);
        }
        if (password != null) {
            options.setPassword(password);
        }
        return PgConnection.connect(vertx, options).await().atMost(Duration.ofSeconds(10));
    }
}
