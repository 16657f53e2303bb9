package city.myriad.platform.db;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Gives the service a database when none is configured: with no {@code quarkus.datasource.reactive.url}, it
 * points both the reactive client and Flyway's JDBC at an embedded PostgreSQL 17. A configured URL always wins,
 * so production never starts one.
 *
 * <p>The server starts on the first read of one of these values at run time, not when the source is built, and
 * never while Quarkus builds the application (augmentation reads configuration too). Registered through
 * {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}; set
 * {@code myriad.embedded-postgres.enabled=false} to fail fast instead. With
 * {@code myriad.embedded-postgres.data-dir} the data survives restarts (the dev start keeps it in
 * {@code .myriad/dev/postgres}).
 */
public final class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    static final String REACTIVE_URL = "quarkus.datasource.reactive.url";
    /** Where the embedded server keeps its data across restarts; unset, it starts empty and is removed at exit. */
    static final String DATA_DIR = "myriad.embedded-postgres.data-dir";
    static final Map<String, Function<EmbeddedPostgres.Endpoint, String>> PROPERTIES = Map.of(
            REACTIVE_URL, db -> "postgresql://127.0.0.1:" + db.port() + "/" + db.database(),
            "quarkus.datasource.jdbc.url", db -> "jdbc:postgresql://127.0.0.1:" + db.port() + "/" + db.database(),
            "quarkus.datasource.username", EmbeddedPostgres.Endpoint::user,
            "quarkus.datasource.password", EmbeddedPostgres.Endpoint::password);

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (isSet(context.getValue(REACTIVE_URL)) || !enabled(context)) {
            return List.of();
        }
        ConfigValue dir = context.getValue(DATA_DIR);
        return List.of(new LazySource(isSet(dir) ? java.nio.file.Path.of(dir.getValue()) : null));
    }

    private static boolean enabled(ConfigSourceContext context) {
        ConfigValue flag = context.getValue("myriad.embedded-postgres.enabled");
        return !isSet(flag) || Boolean.parseBoolean(flag.getValue());
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }

    /** Ordinal 200: below application.properties (250), env (300) and system properties (400). */
    static final class LazySource implements ConfigSource {
        private final java.nio.file.Path dataDir;

        LazySource(java.nio.file.Path dataDir) {
            this.dataDir = dataDir;
        }

        @Override
        public Set<String> getPropertyNames() {
            return PROPERTIES.keySet();
        }

        @Override
        public String getValue(String name) {
            Function<EmbeddedPostgres.Endpoint, String> f = PROPERTIES.get(name);
            if (f == null || duringBuild()) {
                return null;
            }
            return f.apply(EmbeddedPostgres.shared(dataDir));
        }

        /** The build (augmentation) reads configuration too; it needs no database. */
        private static boolean duringBuild() {
            return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().startsWith("io.quarkus.builder.")
                            || f.getClassName().equals("io.quarkus.deployment.QuarkusAugmentor")));
        }

        @Override
        public String getName() {
            return "myriad-embedded-postgres";
        }

        @Override
        public int getOrdinal() {
            return 200;
        }
    }
}
