package city.myriad.metering.bench;

import city.myriad.metering.repository.OccupancyRepository;
import city.myriad.platform.db.MigrationScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;

/**
 * getClusterOccupancy's query ({@link OccupancyRepository#SQL}, the very text the service runs) at a city cluster's
 * scale, on an embedded PostgreSQL of its own migrated by Flyway: 1,250 nodes of 8 cards (10,000 cards), 60 of them
 * down once for 1-48 hours, {@code runs} closed runs of 1-64 cards lasting 10 minutes to a day spread over 30 days
 * (a fixed seed), 200 reservations. Measured in one run: the month by hour (720 buckets) and by day, and a baseline
 * that reads the same runs without cutting them into buckets (a count and a sum over the same index range): 3
 * warm-ups, then {@code rounds} runs each, median, min and max, and each median's ratio to the baseline's. Writes
 * target/bench/occupancy.txt. Nothing leaves the machine: the server is a child of this JVM on 127.0.0.1.
 *
 * <p>Arguments: runs rounds (default 100000 15).
 */
public final class OccupancyQueryLoad {

    static final UUID CLUSTER = UUID.fromString("01930000-0000-7000-8000-0000000000d1");
    static final Instant MONTH = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant MONTH_END = Instant.parse("2026-12-01T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        try (var pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create role bench login nosuperuser nocreatedb password 'bench'");
                s.execute("create database bench owner bench");
            }
            String url = "jdbc:postgresql://localhost:" + pg.getPort() + "/bench";
            Flyway.configure().dataSource(url, "bench", "bench").locations("classpath:db/migration")
                    .callbacks(new MigrationScope()).load().migrate();
            try (Connection c = DriverManager.getConnection(url, "bench", "bench")) {
                long loadStart = System.nanoTime();
                load(c, runs);
                System.out.printf("loaded %,d runs in %.1f s%n", runs, (System.nanoTime() - loadStart) / 1e9);
                List<String> lines = new ArrayList<>();
                lines.add("getClusterOccupancy's query, " + Instant.now() + ": 1,250 nodes x 8 cards, " + runs
                        + " closed runs over 30 days, 200 reservations; " + rounds + " runs each after 3 warm-ups");
                double[] base = time(c, rounds, () -> baseline(c));
                double[] hourly = time(c, rounds, () -> occupancy(c, 3600));
                double[] daily = time(c, rounds, () -> occupancy(c, 86_400));
                lines.add(line("baseline: the runs read, not cut", base, base));
                lines.add(line("the month by hour (720 buckets)", hourly, base));
                lines.add(line("the month by day (30 buckets)", daily, base));
                lines.forEach(System.out::println);
                Path out = Path.of("target/bench/occupancy.txt");
                Files.createDirectories(out.getParent());
                Files.write(out, lines);
            }
        }
    }

    interface Query {
        long run() throws Exception;
    }

    /** Milliseconds of each measured run, sorted. */
    static double[] time(Connection c, int rounds, Query q) throws Exception {
        for (int i = 0; i < 3; i++) {
            q.run();
        }
        double[] ms = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            q.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    static String line(String what, double[] ms, double[] base) {
        double median = ms[ms.length / 2];
        return String.format("%-36s median %8.1f ms  min %8.1f  max %8.1f  ratio to baseline %5.2f", what, median,
                ms[0], ms[ms.length - 1], median / base[base.length / 2]);
    }

    static long baseline(Connection c) throws Exception {
        try (PreparedStatement p = c.prepareStatement("select count(*) + coalesce(sum(cards_milli), 0) from "
                + "job_segments where cluster_id = ? and ended_at > ? and started_at < ?")) {
            p.setObject(1, CLUSTER);
            p.setObject(2, utc(MONTH));
            p.setObject(3, utc(MONTH_END));
            try (ResultSet r = p.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The service's query, its named parameters bound in the order they appear; the rows it answers. */
    static long occupancy(Connection c, long stepSeconds) throws Exception {
        Matcher m = Pattern.compile(":([a-z]+)").matcher(OccupancyRepository.SQL);
        List<String> names = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
            names.add(m.group(1));
            m.appendReplacement(sql, "?");
        }
        m.appendTail(sql);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("select set_config('myriad.scope', 'platform', true)");
            if (System.getenv("BENCH_WORK_MEM") != null) {
                s.execute("set local work_mem = '" + System.getenv("BENCH_WORK_MEM") + "'");
            }
        }
        long rows = 0;
        boolean explain = System.getenv("BENCH_EXPLAIN") != null;
        try (PreparedStatement p = c.prepareStatement((explain ? "explain (analyze, buffers) " : "") + sql)) {
            for (int i = 0; i < names.size(); i++) {
                switch (names.get(i)) {
                    case "cluster" -> p.setObject(i + 1, CLUSTER);
                    case "model" -> p.setNull(i + 1, Types.VARCHAR);
                    case "from" -> p.setObject(i + 1, utc(MONTH));
                    case "to", "end" -> p.setObject(i + 1, utc(MONTH_END));
                    case "now" -> p.setObject(i + 1, utc(MONTH_END.plusSeconds(86_400)));
                    case "step" -> p.setDouble(i + 1, stepSeconds);
                    case "buckets" -> p.setLong(i + 1, OccupancyRepository.buckets(MONTH, MONTH_END,
                            java.time.Duration.ofSeconds(stepSeconds)));
                    default -> throw new IllegalStateException(names.get(i));
                }
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    rows++;
                    if (explain) {
                        System.out.println(r.getString(1));
                    }
                }
            }
        }
        c.commit();
        c.setAutoCommit(true);
        return rows;
    }

    static void load(Connection c, int runs) throws Exception {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("select set_config('myriad.scope', 'platform', true)");
            s.execute("select setseed(0.42)");
            s.execute("insert into tenants (id, slug, name, created_at) values "
                    + "('01930000-0000-7000-8000-0000000000a1', 'acme', 'Acme', now())");
            s.execute("insert into projects (id, tenant_id, slug, name, created_at) values "
                    + "('01930000-0000-7000-8000-0000000000b1', '01930000-0000-7000-8000-0000000000a1', 'work', "
                    + "'Work', now())");
            s.execute("insert into operators (id, slug, name, created_at) values "
                    + "('01930000-0000-7000-8000-0000000000c1', 'city', 'City', now())");
            s.execute("insert into clusters (id, operator_id, slug, name, region, created_at) values ('" + CLUSTER
                    + "', '01930000-0000-7000-8000-0000000000c1', 'hangzhou', 'Hangzhou', 'cn-east', now())");
            s.execute("insert into nodes (id, cluster_id, name, gpu_model, gpus, cpu_milli, memory_mib, rack, block, "
                    + "state, created_at, updated_at) select gen_random_uuid(), '" + CLUSTER + "', 'n' || i, "
                    + "'ASCEND-910B', 8, 192000, 1572864, 'r' || (i / 16), 'b' || (i / 128), 'AVAILABLE', now(), now() "
                    + "from generate_series(1, 1250) i");
            s.execute("update node_state_history set at = timestamptz '2026-10-31T00:00:00Z'");
            s.execute("""
                    insert into node_state_history (cluster_id, node, gpu_model, cards, state, at)
                    select cluster, node, 'ASCEND-910B', 8, state, at from (
                        select '%s'::uuid as cluster, 'n' || i as node, d.state,
                               timestamptz '2026-11-01T00:00:00Z' + (i * 11 %% 28) * interval '1 day'
                               + case d.state when 'DOWN' then interval '0' else (1 + i %% 48) * interval '1 hour' end as at
                          from generate_series(1, 60) i cross join (values ('DOWN'), ('AVAILABLE')) as d(state)) x
                     order by node, at""".formatted(CLUSTER));
            s.execute("""
                    create temp table bench_runs as
                    select gen_random_uuid() as id,
                           (array[1000, 2000, 4000, 8000, 16000, 64000])[1 + floor(random() * 6)::int] as milli,
                           case when random() < 0.3 then 'SPOT' else 'ON_DEMAND' end as cls, start,
                           start + (600 + random() * 85800) * interval '1 second' as ended
                      from (select timestamptz '2026-11-01T00:00:00Z' + random() * interval '29 days' as start
                              from generate_series(1, %d)) x""".formatted(runs));
            s.execute("""
                    insert into jobs (id, tenant_id, project_id, cluster_id, model, cards_milli, price_class,
                                      max_run_seconds, same_block, currency, unit_price_minor, projected_minor,
                                      state, reason, attempt, started_at, ended_at, charged_minor,
                                      credited_minor, submitted_by, created_at, updated_at, eligible_at)
                    select id, '01930000-0000-7000-8000-0000000000a1', '01930000-0000-7000-8000-0000000000b1',
                           '%s', 'ASCEND-910B', milli, cls, 86400, false, 'CNY', 1200, 0, 'SUCCEEDED', 'COMPLETED',
                           1, start, ended, 0, 0, 'bench', start, ended, start from bench_runs""".formatted(CLUSTER));
            s.execute("""
                    insert into job_segments (job_id, attempt, tenant_id, project_id, cluster_id, model, price_class,
                                              cards_milli, started_at, ended_at, outcome, currency, unit_price_minor,
                                              charge_minor, credit_minor, metered_at)
                    select id, 1, '01930000-0000-7000-8000-0000000000a1', '01930000-0000-7000-8000-0000000000b1',
                           '%s', 'ASCEND-910B', cls, milli, start, ended, 'SUCCEEDED', 'CNY', 1200, 0, 0, ended
                      from bench_runs""".formatted(CLUSTER));
            s.execute("""
                    insert into reservations (id, tenant_id, project_id, cluster_id, model, cards, start_at, end_at,
                                              bought_end_at, same_block, status, price_book_version, currency,
                                              unit_price_minor, total_minor, created_at)
                    select gen_random_uuid(), '01930000-0000-7000-8000-0000000000a1',
                           '01930000-0000-7000-8000-0000000000b1', '%s', 'ASCEND-910B', 8 * (1 + i %% 4), s, s + d, s + d,
                           false, 'CONFIRMED', 1, 'CNY', 1000, 0, s
                      from (select i, timestamptz '2026-11-01T00:00:00Z' + (i %% 25) * interval '1 day' as s,
                                   (1 + i %% 5) * interval '1 day' as d from generate_series(1, 200) i) x"""
                    .formatted(CLUSTER));
            s.execute("analyze");
        }
        c.commit();
        c.setAutoCommit(true);
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}
