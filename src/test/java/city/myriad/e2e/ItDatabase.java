package city.myriad.e2e;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Gives the packaged service of an end-to-end test a database directory of its own (fresh for the run), so that the
 * test can reach its PostgreSQL as the service role, through the pgpass file the service writes beside the data:
 * to write what a month of use leaves behind, and to check the ledger.
 */
public class ItDatabase implements QuarkusTestResourceLifecycleManager {

    static final Path HOME = Path.of("target/it-billing").toAbsolutePath();

    @Override
    public Map<String, String> start() {
        try {
            if (Files.exists(HOME)) {
                try (Stream<Path> all = Files.walk(HOME)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(HOME);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("myriad.embedded-postgres.data-dir", HOME.resolve("postgres").toString());
    }

    @Override
    public void stop() {
        // The data stays for a look after a failed run; the next run starts fresh.
    }

    /** A connection as the service role (row-level security applies; set the scope in the transaction). */
    static Connection connect() throws SQLException, IOException {
        Path pgpass;
        try (Stream<Path> files = Files.walk(HOME)) {
            pgpass = files.filter(p -> p.getFileName().toString().equals("pgpass")).findFirst().orElseThrow();
        }
        for (String line : Files.readAllLines(pgpass)) {
            String[] f = line.split(":");
            if (f.length == 5 && f[3].equals("myriad")) {
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + f[1] + "/" + (f[2].equals("*") ? "myriad" : f[2]), f[3], f[4]);
            }
        }
        throw new IllegalStateException("no service role in " + pgpass);
    }
}
