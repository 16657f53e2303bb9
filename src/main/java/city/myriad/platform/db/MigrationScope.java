package city.myriad.platform.db;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Every migration runs in the platform scope. Migrations run as the service's role, the tables' owner, which FORCE ROW
 * LEVEL SECURITY binds like any tenant: a backfill ({@code update t set c = ...}) that does not set the scope itself
 * sees no row, and a {@code set not null} after it fails on any database holding rows (V56 set the scope itself after
 * this was found; V15, V27 and V46 did not, so an upgrade across them with rows in those tables failed). Set for the
 * session before each migration and cleared after it, success or error, so that the pooled connection goes back
 * without it. Registered with the service's Flyway ({@link Registration}); tools that run Flyway themselves add it
 * ({@code MigrationUpgradeTest}).
 */
public final class MigrationScope implements Callback {

    @Override
    public boolean supports(Event event, Context context) {
        return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE
                || event == Event.AFTER_EACH_MIGRATE_ERROR;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true;
    }

    @Override
    public void handle(Event event, Context context) {
        String scope = event == Event.BEFORE_EACH_MIGRATE ? "platform" : "";
        try (Statement s = context.getConnection().createStatement()) {
            s.execute("select set_config('myriad.scope', '" + scope + "', false)");
        } catch (SQLException e) {
            throw new FlywayException("Could not set the migration's scope", e);
        }
    }

    @Override
    public String getCallbackName() {
        return "myriad-platform-scope";
    }

    /** Adds the scope to the Flyway the service migrates with at start. */
    @ApplicationScoped
    public static class Registration implements FlywayConfigurationCustomizer {
        @Override
        public void customize(FluentConfiguration configuration) {
            configuration.callbacks(new MigrationScope());
        }
    }
}
