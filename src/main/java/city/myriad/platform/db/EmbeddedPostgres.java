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
    private static final String PGPASS = "pgpass";
    private static final String SERVICE_ROLE = "myriad";
    private static final String DATABASE = "myriad";
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

    /**
     * The shared server: in a temporary directory removed at exit when {@code dataDir} is null, or in
     * {@code dataDir}, which keeps the data, the passwords and the port hint across restarts (the dev start).
     */
    public static synchronized Endpoint shared(Path dataDir) {
        if (endpoint == null) {
            endpoint = dataDir == null ? startTemporary() : persistent(dataDir.toAbsolutePath());
        }
        return endpoint;
    }

    /**
     * The server on kept data, started once per JVM. Dev mode's live reload starts the application again in a new
     * class loader, where {@link #endpoint} is null; the server of the first start still runs and holds the data
     * directory's lock, so a second start failed ({@code OverlappingFileLockException}) and every edit of a class or
     * of the configuration in {@code bin/myriad-dev} ended in an error page. The endpoint is therefore kept in a
     * system property, which every class loader of the JVM sees, keyed by the data directory (the passwords in it are
     * those of {@code pgpass}, readable by the same user).
     */
    private static Endpoint persistent(Path home) {
        String key = "myriad.embedded-postgres.endpoint." + home;
        synchronized (System.getProperties()) {
            String kept = System.getProperty(key);
            if (kept != null) {
                String[] f = kept.split(" ", 4);
                return new Endpoint(Integer.parseInt(f[0]), f[1], f[2], f[3]);
            }
            Endpoint started = startPersistent(home);
            System.setProperty(key, started.port() + " " + started.database() + " " + started.user() + " "
                    + started.password());
            return started;
        }
    }

    private static Endpoint startTemporary() {
        try {
            Path home = Files.createTempDirectory("myriad-pg");
            Running run = start(home, true, null);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeAtExit(run, home), "embedded-postgres-stop"));
            return run.endpoint();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * Stops the temporary server and removes its directory. zonky's own shutdown hook may be closing the server at
     * the same time (then {@code close()} returns at once while the other hook still deletes the data directory), so
     * the directory is removed once the data directory is gone, waiting for it a few seconds at most: otherwise
     * every test JVM left an empty {@code myriad-pg…} directory behind.
     */
    private static void removeAtExit(Running run, Path home) {
        try {
            run.pg().close();
            Path data = home.resolve("data");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(data) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Files.deleteIfExists(home.resolve(PGPASS));
            Files.deleteIfExists(home);
        } catch (IOException e) {
            // the JVM is going away; what is left is in the temporary directory
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts on kept data. A server left running by a JVM that was killed (kill -9 skips shutdown hooks) still
     * holds the data directory: it is stopped first, so that the next start comes up on the same data.
     */
    private static Endpoint startPersistent(Path home) {
        try {
            Files.createDirectories(home);
            Path data = home.resolve("data");
            boolean fresh = !Files.exists(data.resolve("PG_VERSION"));
            Credentials kept = null;
            if (!fresh) {
                kept = Credentials.read(home.resolve(PGPASS)).orElseThrow(() -> new IllegalStateException(
                        "The embedded PostgreSQL data in " + data + " has no passwords beside it (" + PGPASS
                                + "); remove " + home + " (bin/myriad-dev --fresh) to start afresh"));
                stopOrphan(data);
            }
            Running run = start(home, false, kept);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run.pg().close();
                } catch (IOException e) {
                    // the JVM is going away; the data stays for the next start
                }
            }, "embedded-postgres-stop"));
            return run.endpoint();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private record Running(io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg, Endpoint endpoint) {}

    /** The two roles' passwords; kept in {@code pgpass} (libpq's format, mode 600) beside the data. */
    record Credentials(String service, String superuser) {
        static java.util.Optional<Credentials> read(Path pgpass) throws IOException {
            if (!Files.exists(pgpass)) {
                return java.util.Optional.empty();
            }
            String service = null;
            String superuser = null;
            for (String line : Files.readAllLines(pgpass)) {
                String[] f = line.split(":", 5);
                if (f.length == 5 && f[3].equals(SERVICE_ROLE)) {
                    service = f[4];
                } else if (f.length == 5 && f[3].equals("postgres")) {
                    superuser = f[4];
                }
            }
            return service == null || superuser == null ? java.util.Optional.empty()
                    : java.util.Optional.of(new Credentials(service, superuser));
        }

        void write(Path pgpass, int port) throws IOException {
            Files.writeString(pgpass, "127.0.0.1:" + port + ":*:" + SERVICE_ROLE + ":" + service + "\n"
                    + "127.0.0.1:" + port + ":*:postgres:" + superuser + "\n");
            Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static Running start(Path home, boolean temporary, Credentials kept) throws IOException {
        long started = System.nanoTime();
        Path data = home.resolve("data");
        var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(temporary)
                .setServerConfig("max_connections", "200")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("password_encryption", "scram-sha-256");
        if (temporary) {
            builder.setServerConfig("fsync", "off"); // nothing to keep: speed over durability
        }
        if (kept != null) {
            builder.setConnectConfig("password", kept.superuser());
        }
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg = builder.start();
        Credentials credentials = kept != null ? kept : new Credentials(secret(), secret());
        if (kept == null) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role " + SERVICE_ROLE + " login nosuperuser nocreatedb password '"
                        + credentials.service() + "'");
                s.execute("create database " + DATABASE + " owner " + SERVICE_ROLE);
                s.execute("alter role postgres password '" + credentials.superuser() + "'");
                Files.writeString(data.resolve("pg_hba.conf"), """
                        # Written by Myriad's EmbeddedPostgres: passwords for everyone, trust for no one.
                        local all all scram-sha-256
                        host  all all 127.0.0.1/32 scram-sha-256
                        host  all all ::1/128      scram-sha-256
                        """);
                s.execute("select pg_reload_conf()");
            } catch (SQLException e) {
                pg.close();
                throw new IOException(e.getMessage(), e);
            }
        }
        Path pgpass = home.resolve(PGPASS);
        credentials.write(pgpass, pg.getPort());
        Endpoint ep = new Endpoint(pg.getPort(), DATABASE, SERVICE_ROLE, credentials.service());
        LOG.infof("Embedded PostgreSQL %s on 127.0.0.1:%d in %d ms (database %s, user %s; passwords in %s)",
                temporary ? "started" : kept == null ? "created in " + data : "started on the data in " + data,
                ep.port(), (System.nanoTime() - started) / 1_000_000, ep.database(), ep.user(), pgpass);
        return new Running(pg, ep);
    }

    /** Stops a postmaster that a killed JVM left running on this data directory. */
    private static void stopOrphan(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        } catch (RuntimeException e) {
            return; // unreadable: PostgreSQL itself decides whether the lock is stale
        }
        java.util.Optional<ProcessHandle> orphan = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return;
        }
        LOG.warnf("A PostgreSQL server (pid %d) left by an earlier run still holds %s; stopping it", pid, data);
        orphan.get().destroy(); // SIGTERM: a smart shutdown, and nobody is connected any more
        try {
            orphan.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            orphan.get().destroyForcibly();
        }
    }

    private static IllegalStateException failed(IOException e) {
        return new IllegalStateException("Cannot start the embedded PostgreSQL: " + e.getMessage()
                + ". Configure quarkus.datasource.reactive.url to use an external server.", e);
    }
}
