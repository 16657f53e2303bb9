package city.myriad.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The second wall of tenant isolation, tested below the service: with the service's own database role, a query
 * that sets no tenant sees no tenant-owned row, and a transaction scoped to one tenant can neither read nor
 * write another's.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class RowLevelSecurityTest {

    @Inject
    Pool pool;

    @Inject
    org.flywaydb.core.Flyway flyway;

    @Test
    void the_services_migrations_run_in_the_platform_scope() {
        // What MigrationUpgradeTest shows a backfill needs (the tables' owner is bound by their row-level security).
        org.junit.jupiter.api.Assertions.assertTrue(java.util.Arrays.stream(flyway.getConfiguration().getCallbacks())
                .anyMatch(c -> c instanceof city.myriad.platform.db.MigrationScope),
                java.util.Arrays.toString(flyway.getConfiguration().getCallbacks()));
    }

    @Test
    void the_embedded_database_trusts_nobody_by_address() {
        String url = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.datasource.jdbc.url", String.class);
        for (String user : new String[] {"postgres", "myriad"}) {
            for (String password : new String[] {"", "postgres", "myriad"}) {
                java.sql.SQLException refused = assertThrows(java.sql.SQLException.class,
                        () -> java.sql.DriverManager.getConnection(url, user, password).close(),
                        user + " must not connect with the password '" + password + "'");
                assertTrue(refused.getMessage().contains("password"), refused.getMessage());
            }
        }
    }

    @Test
    void a_query_that_forgets_the_tenant_sees_nothing() {
        for (String table : new String[] {"tenants", "projects", "members"}) {
            long rows = pool.query("select count(*) from " + table).execute().await().indefinitely()
                    .iterator().next().getLong(0);
            assertEquals(0, rows, table + " must be invisible without a tenant");
        }
    }

    @Test
    void a_tenant_scope_sees_only_that_tenants_rows() {
        long foreign = inTenant(DemoData.ACME, c -> c.preparedQuery("select count(*) from projects where tenant_id = $1")
                .execute(Tuple.of(DemoData.GLOBEX)).map(rs -> rs.iterator().next().getLong(0)));
        long all = inTenant(DemoData.ACME, c -> c.query("select count(distinct tenant_id) from projects").execute()
                .map(rs -> rs.iterator().next().getLong(0)));
        assertEquals(0, foreign);
        assertEquals(1, all, "only acme's projects are visible in acme's scope");
    }

    @Test
    void a_tenant_scope_cannot_write_another_tenants_row() {
        RuntimeException failure = assertThrows(RuntimeException.class, () -> inTenant(DemoData.ACME,
                c -> c.preparedQuery("insert into projects (id, tenant_id, slug, name, created_at) values ($1, $2, 'planted', 'Planted', $3)")
                        .execute(Tuple.of(UUID.randomUUID(), DemoData.GLOBEX, OffsetDateTime.now()))
                        .map(rs -> 0L)));
        assertTrue(rootCause(failure) instanceof PgException pg && "42501".equals(pg.getSqlState()),
                "expected a row-level-security violation, got " + failure);
        long changed = inTenant(DemoData.ACME, c -> c.preparedQuery("update members set roles = '{tenant-admin}' where tenant_id = $1")
                .execute(Tuple.of(DemoData.GLOBEX)).map(rs -> (long) rs.rowCount()));
        assertEquals(0, changed, "another tenant's rows are not even found for update");
    }

    /**
     * Every table that carries a tenant has its rows walled off: row-level security enabled and forced (the service's
     * role owns the tables), with at least one policy. A table added without them fails here, not in production.
     */
    @Test
    void every_table_with_a_tenant_column_is_walled_off_by_a_forced_policy() {
        java.util.List<String> open = new java.util.ArrayList<>();
        pool.query("""
                        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where c.relkind in ('r', 'p') and n.nspname = current_schema()
                           and exists (select 1 from pg_attribute a
                                        where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
                           and not (c.relrowsecurity and c.relforcerowsecurity
                                    and exists (select 1 from pg_policy p where p.polrelid = c.oid))
                         order by 1""").execute().await().indefinitely().forEach(r -> open.add(r.getString(0)));
        assertEquals(java.util.List.of(), open, "tables with tenant_id and no forced row-level policy");
    }

    @Test
    void the_service_role_is_not_a_superuser() {
        boolean superuser = pool.query("select rolsuper from pg_roles where rolname = current_user").execute()
                .await().indefinitely().iterator().next().getBoolean(0);
        assertEquals(false, superuser, "superusers bypass row-level security");
    }

    private long inTenant(UUID tenant, java.util.function.Function<SqlConnection, io.smallrye.mutiny.Uni<Long>> work) {
        return pool.withTransaction(c -> c.preparedQuery("select set_config('myriad.tenant_id', $1, true)")
                .execute(Tuple.of(tenant.toString())).chain(ignored -> work.apply(c))).await().indefinitely();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
