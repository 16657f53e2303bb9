package city.myriad.platform.db;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * One embedded PostgreSQL per JVM, started on first use and stopped when the JVM exits.
 *
 * <p>The service connects as {@code myriad}, an ordinary role that owns the database, never as the superuser:
 * row-level security does not apply to superusers, and isolation must hold in development exactly as in
 * production.
 *
 * <p>Nobody is trusted by address: right after start both roles get passwords drawn for this run, and
 * {@code pg_hba.conf} is rewritten to {@code scram-sha-256} for every connection, so another local user cannot
 * connect as the superuser and bypass row-level security. The passwords are in {@code pgpass} (mode 600) beside
 * the data directory, in libpq's format, for {@code PGPASSFILE=… psql}.
 */
public final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static Endpoint endpoint;

    /** Where the embedded server listens and how the service logs in. */
    public record Endpoint(int port, String database, String user, String password) {}

    private EmbeddedPostgres() {}

    /** A password for this run only: 24 random bytes, hex (no quoting issues in SQL or pgpass). */
    private static String secret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static synchronized Endpoint shared() {
        if (endpoint == null) {
            endpoint = start();
        }
        return endpoint;
    }

    private static Endpoint start() {
        long started = System.nanoTime();
        try {
            Path home = Files.createTempDirectory("myriad-pg");
            Path data = home.resolve("data");
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
                    io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                            .setDataDirectory(data)
                            .setCleanDataDirectory(true)
                            .setServerConfig("max_connections", "200")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .setServerConfig("password_encryption", "scram-sha-256")
                            .start();
            Endpoint ep = new Endpoint(pg.getPort(), "myriad", "myriad", secret());
            String superuserPassword = secret();
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role " + ep.user() + " login nosuperuser nocreatedb password '" + ep.password() + "'");
                s.execute("create database " + ep.database() + " owner " + ep.user());
                s.execute("alter role postgres password '" + superuserPassword + "'");
                Files.writeString(data.resolve("pg_hba.conf"), """
                        # Written by Myriad's EmbeddedPostgres: passwords for everyone, trust for no one.
                        local all all scram-sha-256
                        host  all all 127.0.0.1/32 scram-sha-256
                        host  all all ::1/128      scram-sha-256
                        """);
                s.execute("select pg_reload_conf()");
            }
            Path pgpass = home.resolve("pgpass");
            Files.writeString(pgpass, "127.0.0.1:" + ep.port() + ":*:" + ep.user() + ":" + ep.password() + "\n"
                    + "127.0.0.1:" + ep.port() + ":*:postgres:" + superuserPassword + "\n");
            Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                    Files.deleteIfExists(pgpass);
                    Files.deleteIfExists(home);
                } catch (IOException e) {
                    // the JVM is going away; the data directory is temporary
                }
            }, "embedded-postgres-stop"));
            LOG.infof("Embedded PostgreSQL started on 127.0.0.1:%d in %d ms (database %s, user %s; passwords in %s)",
                    ep.port(), (System.nanoTime() - started) / 1_000_000, ep.database(), ep.user(), pgpass);
            return ep;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL: " + e.getMessage()
                    + ". Configure quarkus.datasource.reactive.url to use an external server.", e);
        }
    }
}
