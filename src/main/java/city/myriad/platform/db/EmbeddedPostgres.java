package city.myriad.platform.db;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;

/**
 * One embedded PostgreSQL per JVM, started on first use and stopped when the JVM exits.
 *
 * <p>The service connects as {@code myriad}, an ordinary role that owns the database, never as the superuser:
 * row-level security does not apply to superusers, and isolation must hold in development exactly as in
 * production.
 */
public final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static Endpoint endpoint;

    /** Where the embedded server listens and how the service logs in. */
    public record Endpoint(int port, String database, String user, String password) {}

    private EmbeddedPostgres() {}

    public static synchronized Endpoint shared() {
        if (endpoint == null) {
            endpoint = start();
        }
        return endpoint;
    }

    private static Endpoint start() {
        long started = System.nanoTime();
        try {
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
                    io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                            .setServerConfig("max_connections", "200")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .start();
            Endpoint ep = new Endpoint(pg.getPort(), "myriad", "myriad", "myriad");
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role " + ep.user() + " login nosuperuser nocreatedb password '" + ep.password() + "'");
                s.execute("create database " + ep.database() + " owner " + ep.user());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    // the JVM is going away; the data directory is temporary
                }
            }, "embedded-postgres-stop"));
            LOG.infof("Embedded PostgreSQL started on 127.0.0.1:%d in %d ms (database %s, user %s)",
                    ep.port(), (System.nanoTime() - started) / 1_000_000, ep.database(), ep.user());
            return ep;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL: " + e.getMessage()
                    + ". Configure quarkus.datasource.reactive.url to use an external server.", e);
        }
    }
}
