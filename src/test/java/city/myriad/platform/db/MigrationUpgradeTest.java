package city.myriad.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Upgrades keep what a running service wrote: a database migrated to an earlier version, with rows in it, migrated on
 * as a deployment's start does (by the service's own role, owner of its tables and bound by their row-level
 * security, never a superuser). A backfill that forgets the platform scope updates nothing under FORCE ROW LEVEL
 * SECURITY; the tests of a fresh database cannot see that.
 */
class MigrationUpgradeTest {

    static final String ROLE = "upgrader";

    @Test
    void a_database_with_reservations_upgrades_through_their_extensions() throws Exception {
        try (var pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role " + ROLE + " login nosuperuser nocreatedb password 'upgrade'");
                s.execute("create database upgrade owner " + ROLE);
            }
            String url = "jdbc:postgresql://localhost:" + pg.getPort() + "/upgrade";
            flyway(url, "55").migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select set_config('myriad.scope', 'platform', true)");
                    s.execute("insert into tenants (id, slug, name, created_at) values "
                            + "('01930000-0000-7000-8000-0000000000a1', 'acme', 'Acme', now())");
                    s.execute("insert into projects (id, tenant_id, slug, name, created_at) values "
                            + "('01930000-0000-7000-8000-0000000000b1', '01930000-0000-7000-8000-0000000000a1', "
                            + "'work', 'Work', now())");
                    s.execute("insert into operators (id, slug, name, created_at) values "
                            + "('01930000-0000-7000-8000-0000000000c1', 'city', 'City', now())");
                    s.execute("insert into clusters (id, operator_id, slug, name, region, created_at) values "
                            + "('01930000-0000-7000-8000-0000000000d1', '01930000-0000-7000-8000-0000000000c1', "
                            + "'hangzhou', 'Hangzhou', 'cn-east', now())");
                    s.execute("""
                            insert into reservations (id, tenant_id, project_id, cluster_id, model, cards, start_at,
                                                      end_at, same_block, status, price_book_version, currency,
                                                      unit_price_minor, total_minor, created_at)
                            values ('01930000-0000-7000-8000-0000000000e1', '01930000-0000-7000-8000-0000000000a1',
                                    '01930000-0000-7000-8000-0000000000b1', '01930000-0000-7000-8000-0000000000d1',
                                    'ASCEND-910B', 8, '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z', false,
                                    'CONFIRMED', 1, 'CNY', 900, 172800, '2026-11-30T00:00:00Z')""");
                }
                c.commit();
            }
            flyway(url, null).migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select set_config('myriad.scope', 'platform', true)");
                    try (ResultSet r = s.executeQuery("select bought_end_at = end_at, extended_minor, "
                            + "ending_notice_for is null from reservations")) {
                        r.next();
                        assertEquals(true, r.getBoolean(1), "the window as bought is the window it had");
                        assertEquals(0, r.getLong(2));
                        assertEquals(true, r.getBoolean(3));
                    }
                }
                c.commit();
            }
        }
    }

    @Test
    void a_database_with_webhook_deliveries_upgrades_through_their_event_ids() throws Exception {
        try (var pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start()) {
            String url = database(pg);
            flyway(url, "14").migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select set_config('myriad.scope', 'platform', true)");
                    s.execute("insert into tenants (id, slug, name, created_at) values "
                            + "('01930000-0000-7000-8000-0000000000a1', 'acme', 'Acme', now())");
                    s.execute("""
                            insert into alerts (id, tenant_id, scope, measure, period, threshold, used, lim, unit,
                                                raised_at)
                            values ('01930000-0000-7000-8000-0000000000f1', '01930000-0000-7000-8000-0000000000a1',
                                    'TENANT', 'BUDGET', '2026-11', 80, 800, 1000, 'CNY', now())""");
                    s.execute("""
                            insert into webhook_deliveries (id, tenant_id, alert_id, event_type, payload, state,
                                                            next_attempt_at, created_at)
                            values ('01930000-0000-7000-8000-0000000000f2', '01930000-0000-7000-8000-0000000000a1',
                                    '01930000-0000-7000-8000-0000000000f1', 'alert.raised', '{}', 'DELIVERED', now(),
                                    now())""");
                }
                c.commit();
            }
            // V15 fills event_id from alert_id and makes it required: under row-level security without the
            // platform scope it filled nothing and failed ("column event_id contains null values").
            flyway(url, null).migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade")) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("select set_config('myriad.scope', 'platform', true)");
                    try (ResultSet r = s.executeQuery("select event_id = alert_id from webhook_deliveries")) {
                        r.next();
                        assertEquals(true, r.getBoolean(1));
                    }
                }
                c.commit();
            }
        }
    }

    /** A database owned by the service's role, which is no superuser; its JDBC URL. */
    @Test
    void a_database_with_nodes_upgrades_to_a_node_history_that_starts_with_each_as_it_is() throws Exception {
        try (var pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start()) {
            String url = database(pg);
            flyway(url, "70").migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade"); Statement s = c.createStatement()) {
                s.execute("insert into operators (id, slug, name, created_at) values "
                        + "('01930000-0000-7000-8000-0000000000c1', 'city', 'City', now())");
                s.execute("insert into clusters (id, operator_id, slug, name, region, created_at) values "
                        + "('01930000-0000-7000-8000-0000000000d1', '01930000-0000-7000-8000-0000000000c1', "
                        + "'hangzhou', 'Hangzhou', 'cn-east', now())");
                s.execute("""
                        insert into nodes (id, cluster_id, name, gpu_model, gpus, cpu_milli, memory_mib, rack, block,
                                           state, created_at, updated_at)
                        values ('01930000-0000-7000-8000-0000000000f1', '01930000-0000-7000-8000-0000000000d1', 'n1',
                                'ASCEND-910B', 8, 1000, 1000, 'r1', 'b1', 'DOWN', '2026-10-01T00:00:00Z', now()),
                               ('01930000-0000-7000-8000-0000000000f2', '01930000-0000-7000-8000-0000000000d1', 'cpu1',
                                null, 0, 1000, 1000, 'r1', 'b1', 'AVAILABLE', '2026-10-01T00:00:00Z', now())""");
            }
            flyway(url, null).migrate();
            try (Connection c = DriverManager.getConnection(url, ROLE, "upgrade"); Statement s = c.createStatement()) {
                try (ResultSet r = s.executeQuery("select node, state, cards, at = '2026-10-01T00:00:00Z' "
                        + "from node_state_history")) {
                    assertEquals(true, r.next(), "the GPU node is in the history");
                    assertEquals("n1 DOWN 8 true", r.getString(1) + " " + r.getString(2) + " " + r.getInt(3) + " "
                            + r.getBoolean(4));
                    assertEquals(false, r.next(), "a node without cards is not");
                }
                // And from now on the triggers keep it, as the service's role.
                s.execute("update nodes set state = 'AVAILABLE' where name = 'n1'");
                try (ResultSet r = s.executeQuery("select string_agg(state, ',' order by id) from node_state_history")) {
                    r.next();
                    assertEquals("DOWN,AVAILABLE", r.getString(1));
                }
                // V72: the nodes start with every card in service; a card out is counted on the node and in its
                // history by the triggers, as the service's role.
                s.execute("insert into node_cards_out (node_id, card, reason, since, set_by) values "
                        + "('01930000-0000-7000-8000-0000000000f1', 5, 'Xid 79', now(), 'olga')");
                try (ResultSet r = s.executeQuery("select cards_out, cards_in_service from nodes where name = 'n1'")) {
                    r.next();
                    assertEquals("1 7", r.getInt(1) + " " + r.getInt(2));
                }
                s.execute("delete from node_cards_out");
                try (ResultSet r = s.executeQuery("select string_agg(state || ' ' || cards_out, ',' order by id) "
                        + "from node_state_history")) {
                    r.next();
                    assertEquals("DOWN 0,AVAILABLE 0,AVAILABLE 1,AVAILABLE 0", r.getString(1));
                }
            }
        }
    }

    static String database(io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg) throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("create role " + ROLE + " login nosuperuser nocreatedb password 'upgrade'");
            s.execute("create database upgrade owner " + ROLE);
        }
        return "jdbc:postgresql://localhost:" + pg.getPort() + "/upgrade";
    }

    /**
     * Flyway on the upgrade database as the service's role, to {@code target} (null: the latest), with the scope the
     * service's Flyway has ({@link MigrationScope}).
     */
    static Flyway flyway(String url, String target) {
        var config = Flyway.configure().dataSource(url, ROLE, "upgrade").locations("classpath:db/migration")
                .callbacks(new MigrationScope());
        if (target != null) {
            config = config.target(target);
        }
        return config.load();
    }
}
