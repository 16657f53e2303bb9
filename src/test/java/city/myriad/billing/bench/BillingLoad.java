package city.myriad.billing.bench;

import static city.myriad.jobs.bench.SubmissionLoad.q;
import static city.myriad.jobs.bench.SubmissionLoad.request;
import static city.myriad.jobs.bench.SubmissionLoad.run;
import static city.myriad.jobs.bench.SubmissionLoad.token;

import city.myriad.support.LoadClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Billing at scale, against a Myriad that bin/bench-billing started on this machine (its embedded PostgreSQL, found
 * through the pgpass file beside its data). Bounded: two closes and one export, to 127.0.0.1 only.
 *
 * <ol>
 * <li>Seeds a past month straight into the database, as the meter would have left it: {@code tenants} tenants with
 * a project each and {@code rows} hourly usage rows in all (rollups), plus {@code chargeRows} per-job rated rows
 * (what the FOCUS export reads).</li>
 * <li>Baseline in the same run: {@code GET /api/v1/me}, 200 calls, median.</li>
 * <li>Closes the month through {@code POST /api/v1/billing/periods/{period}/close} and times it; checks that one
 * invoice per tenant was issued and that the invoices' totals sum to the rollups' cost; closes it again (idempotent)
 * and times that.</li>
 * <li>Streams the month's FOCUS export (CSV, platform admin), counting rows and bytes, while sampling the service's
 * heap through its metrics every 100 ms.</li>
 * </ol>
 * Writes target/bench/billing.txt. Arguments: api keycloak management stateDir tenants rows chargeRows.
 */
public final class BillingLoad {

    static final String PERIOD = "2025-01";
    static final String HANGZHOU = "01930000-0000-7000-8000-00000000c001";

    public static void main(String[] args) {
        city.myriad.support.LoadClient.main(args, BillingLoad::measure);
    }

    static void measure(String[] args) throws Exception {
        String api = args[0];
        String keycloak = args[1];
        String management = args[2];
        Path state = Path.of(args[3]);
        int tenants = Integer.parseInt(args[4]);
        long rows = Long.parseLong(args[5]);
        long chargeRows = Long.parseLong(args[6]);
        LoadClient.requireLocal(api, management);
        StringBuilder report = new StringBuilder();
        try (Connection db = connect(state)) {
            long t0 = System.nanoTime();
            seed(db, tenants, rows, chargeRows);
            say(report, String.format(Locale.ROOT, "seeded %,d tenants, %,d hourly rollup rows, %,d per-job rows of %s"
                    + " in %.0f s", tenants, rows, chargeRows, PERIOD, (System.nanoTime() - t0) / 1e9));
            long expected = single(db, "select sum(cost_minor - credit_minor) from usage_rollups where period = '"
                    + PERIOD + "'");

            String admin = token(keycloak, "admin");
            long[] base = run(200, 4, i -> request(admin, "GET", api + "/api/v1/me", null, null));
            double baseline = q(base, 0.5);
            say(report, String.format(Locale.ROOT, "baseline GET /api/v1/me: median %.2f ms", baseline));

            HttpClient http = HttpClient.newHttpClient();
            long c0 = System.nanoTime();
            HttpResponse<String> closed = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/billing/periods/"
                            + PERIOD + "/close")).timeout(Duration.ofMinutes(10)).header("Authorization", "Bearer "
                            + token(keycloak, "admin")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            double closeSeconds = (System.nanoTime() - c0) / 1e9;
            if (closed.statusCode() != 200) {
                throw new IllegalStateException("close: HTTP " + closed.statusCode() + " " + closed.body());
            }
            long invoices = single(db, "select count(*) from invoices where period = '" + PERIOD
                    + "' and state <> 'DRAFT'");
            long totals = single(db, "select sum(total_minor) from invoices where period = '" + PERIOD + "'");
            say(report, String.format(Locale.ROOT, "close of %s: %.1f s for %,d invoices (%s); invoice totals %,d = "
                    + "rollups %,d: %s", PERIOD, closeSeconds, invoices, invoices == tenants ? "one per tenant"
                    : "EXPECTED " + tenants, totals, expected, totals == expected ? "equal" : "DIFFERENT"));
            long a0 = System.nanoTime();
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/billing/periods/"
                            + PERIOD + "/close")).header("Authorization", "Bearer " + token(keycloak, "admin"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            say(report, String.format(Locale.ROOT, "close again: HTTP %d in %.2f s; invoices now %,d", again.statusCode(),
                    (System.nanoTime() - a0) / 1e9, single(db, "select count(*) from invoices where period = '"
                            + PERIOD + "' and state <> 'DRAFT'")));

            // The receivables aging over every tenant just invoiced: five reports, the median, and its total against
            // the invoices' (no other receivable exists in this database).
            String agingUrl = api + "/api/v1/billing/receivables-aging?currency=CNY";
            long[] aging = run(5, 1, i -> request(admin, "GET", agingUrl, null, null));
            HttpResponse<String> report1 = http.send(HttpRequest.newBuilder(URI.create(agingUrl))
                    .header("Authorization", "Bearer " + token(keycloak, "admin")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            java.util.regex.Matcher total = java.util.regex.Pattern.compile(
                    "\"totals\":\\{.*?\"total\":\\{\"amountMinor\":(-?[0-9]+)").matcher(report1.body());
            long agedTotal = total.find() ? Long.parseLong(total.group(1)) : -1;
            long owed = single(db, "select coalesce(sum(total_minor), 0) from invoices where state = 'ISSUED' "
                    + "and currency = 'CNY'");
            say(report, String.format(Locale.ROOT, "receivables aging (%,d tenants owing): HTTP %d, median %.1f ms "
                    + "(%.0fx the baseline), %,d bytes; its total %,d = the issued invoices' %,d: %s",
                    tenants, report1.statusCode(), q(aging, 0.5), q(aging, 0.5) / baseline, report1.body().length(),
                    agedTotal, owed, agedTotal == owed ? "equal" : "DIFFERENT"));

            // Warm-up: the first ten days, not measured (the service's JIT compiles the export's code: with three
            // days its compiler still took a fifth of a core during the measured export).
            long[] warm = export(api, token(keycloak, "admin"), PERIOD + "-01T00:00:00Z", PERIOD + "-11T00:00:00Z");
            say(report, String.format(Locale.ROOT, "warm-up export (10 days): %,d rows", warm[0]));

            // The export, heap sampled meanwhile.
            AtomicBoolean exporting = new AtomicBoolean(true);
            AtomicLong peakHeap = new AtomicLong();
            AtomicLong peakOld = new AtomicLong();
            long heapBefore = heap(http, management);
            long oldBefore = oldGen(http, management);
            Thread sampler = new Thread(() -> {
                while (exporting.get()) {
                    try {
                        peakHeap.accumulateAndGet(heap(http, management), Math::max);
                        peakOld.accumulateAndGet(oldGen(http, management), Math::max);
                        Thread.sleep(500);  // each sample renders the service's metrics: not too often
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            sampler.start();
            long e0 = System.nanoTime();
            long[] counted = export(api, token(keycloak, "admin"), PERIOD + "-01T00:00:00Z",
                    "2025-02-01T00:00:00Z");
            long lines = counted[0];
            long bytes = counted[1];
            int status = (int) counted[2];
            double exportSeconds = (System.nanoTime() - e0) / 1e9;
            exporting.set(false);
            sampler.join();
            long exported = lines - 1;
            say(report, String.format(Locale.ROOT, "FOCUS export (CSV, all tenants): HTTP %d, %,d rows, %,d MB in %.1f s "
                            + "= %,.0f rows/s; service heap in use %,d MB before, at most %,d MB while streaming "
                            + "(garbage included); old generation %,d MB before, at most %,d MB",
                    status, exported, bytes >> 20, exportSeconds, exported / exportSeconds,
                    heapBefore >> 20, peakHeap.get() >> 20, oldBefore >> 20, peakOld.get() >> 20));
            // What the export retains, apart from its garbage: the same export again, not timed (a full collection
            // pauses the service), the live heap measured after a full GC before, in the middle and after.
            long liveBefore = live(http, management);
            AtomicLong liveDuring = new AtomicLong(-1);
            Thread gcInTheMiddle = new Thread(() -> {
                try {
                    Thread.sleep((long) (exportSeconds * 500));
                    liveDuring.set(live(http, management));
                } catch (Exception e) {
                    liveDuring.set(-1);
                }
            });
            gcInTheMiddle.start();
            long[] again2 = export(api, token(keycloak, "admin"), PERIOD + "-01T00:00:00Z", "2025-02-01T00:00:00Z");
            gcInTheMiddle.join();
            long liveAfter = live(http, management);
            say(report, String.format(Locale.ROOT, "service heap live after a full GC, in a second export of %,d rows "
                    + "(not timed): %,d MB before, %,d MB halfway, %,d MB after (what the export holds is the halfway "
                    + "figure less the first)", again2[0] - 1, liveBefore >> 20, liveDuring.get() >> 20,
                    liveAfter >> 20));
            say(report, String.format(Locale.ROOT, "ratios to the baseline median: close %.0fx, export per 100,000 rows "
                    + "%.0fx", closeSeconds * 1000 / baseline, exportSeconds / (exported / 100_000.0) * 1000 / baseline));
        }
        Path out = Path.of("target/bench/billing.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    /**
     * Streams an export (CSV, platform admin) and counts its lines and bytes as they arrive, without building
     * strings or copying into a stream: the client shares the machine's two cores with the service, so it stays as
     * cheap as reading can be (Vert.x, the same event-loop I/O as the service). Returns lines (the header
     * included), bytes and the HTTP status.
     */
    static long[] export(String api, String token, String from, String to) {
        LoadClient.Streamed r = LoadClient.stream(token, api + "/api/v1/exports/focus?format=csv&from=" + from + "&to="
                + to).join();
        return new long[] {r.lines(), r.bytes(), r.statusCode()};
    }

    /** Tenants, projects and rows straight into the service's database (platform scope, unsynchronised commits). */
    static void seed(Connection db, int tenants, long rows, long chargeRows) throws Exception {
        try (Statement s = db.createStatement()) {
            s.execute("set synchronous_commit = off");
            s.execute("select set_config('myriad.scope', 'platform', false)");
            s.execute("insert into tenants (id, slug, name, created_at) select myriad_uuid_v7(), 'bench-' || g, "
                    + "'Bench tenant ' || g, now() from generate_series(1, " + tenants + ") g");
            s.execute("insert into projects (id, tenant_id, slug, name, created_at) select myriad_uuid_v7(), id, "
                    + "'work', 'Work', now() from tenants where slug like 'bench-%'");
            s.execute("create temp table bench_tenants as select row_number() over (order by t.id) as n, t.id, p.id "
                    + "as project from tenants t join projects p on p.tenant_id = t.id where t.slug like 'bench-%'");
            long perTenant = rows / tenants;
            long hours = Math.min(744, Math.max(1, perTenant / 2));
            long classes = (perTenant + hours - 1) / hours;
            // Rows in slices of 1,000 tenants, so that progress shows and no statement holds too much.
            for (int from = 1; from <= tenants; from += 1000) {
                s.execute("insert into usage_rollups (tenant_id, project_id, cluster_id, model, price_class, currency, "
                        + "hour, period, card_milli_seconds, cost_minor, credit_minor) "
                        + "select b.id, b.project, '" + HANGZHOU + "', "
                        + "(array['ASCEND-910B','ASCEND-910C','MTT-S4000','H800'])[c], "
                        + "(array['ON_DEMAND','SPOT','ON_DEMAND','SPOT'])[c], 'CNY', "
                        + "timestamptz '" + PERIOD + "-01T00:00:00Z' + make_interval(hours => h), '" + PERIOD + "', "
                        + "28800000, 9600 + (h % 7), case when h % 97 = 0 then 9600 + (h % 7) else 0 end "
                        + "from bench_tenants b, generate_series(0, " + (hours - 1) + ") h, generate_series(1, "
                        + classes + ") c where b.n between " + from + " and " + (from + 999)
                        + " and c <= 4");
                System.out.printf("seeded tenants %d to %d%n", from, Math.min(tenants, from + 999));
            }
            long jobs = Math.max(1, chargeRows / 744);
            s.execute("insert into usage_charges (job_id, attempt, hour, period, tenant_id, project_id, cluster_id, "
                    + "model, price_class, currency, unit_price_minor, card_milli_seconds, cost_minor, credit_minor) "
                    + "select myriad_uuid_v7(), 1, timestamptz '" + PERIOD + "-01T00:00:00Z' + make_interval(hours => h), '"
                    + PERIOD + "', b.id, b.project, '" + HANGZHOU + "', 'ASCEND-910B', 'ON_DEMAND', 'CNY', 1200, "
                    + "28800000, 9600, 0 from bench_tenants b, generate_series(0, 743) h where b.n <= " + jobs
                    + " limit " + chargeRows);
            s.execute("analyze usage_rollups");
            s.execute("analyze usage_charges");
        }
    }

    static long single(Connection db, String sql) throws Exception {
        try (Statement s = db.createStatement()) {
            s.execute("select set_config('myriad.scope', 'platform', false)");
            try (ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The service's heap in use (all of it, garbage included), from its Prometheus metrics. */
    static long heap(HttpClient http, String management) throws Exception {
        return memory(http, management, "area=\"heap\"");
    }

    /** What survived into the old generation: retained data, which a stream that holds rows would grow. */
    static long oldGen(HttpClient http, String management) throws Exception {
        return memory(http, management, "Old Gen");
    }

    /**
     * The service's heap in use right after a full collection (jcmd GC.run on the pid that bin/bench-service
     * passes): what it retains, garbage excluded. -1 without the pid.
     */
    static long live(HttpClient http, String management) throws Exception {
        String pid = System.getenv("MYRIAD_BENCH_SERVICE_PID");
        if (pid == null) {
            return -1;
        }
        Process gc = new ProcessBuilder("jcmd", pid, "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor();
        return heap(http, management);
    }

    static long memory(HttpClient http, String management, String filter) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(management + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"") && line.contains(filter)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    /** The service role's connection, from the pgpass file (host:port:database:user:password) beside the data. */
    static Connection connect(Path state) throws Exception {
        Path pgpass;
        try (Stream<Path> files = Files.walk(state)) {
            pgpass = files.filter(p -> p.getFileName().toString().equals("pgpass")).findFirst().orElseThrow();
        }
        for (String line : Files.readAllLines(pgpass)) {
            String[] f = line.split(":");
            if (f.length == 5 && f[3].equals("myriad")) {
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + f[1] + "/" + (f[2].equals("*") ? "myriad" : f[2]), f[3], f[4]);
            }
        }
        throw new IllegalStateException("no myriad role in " + pgpass);
    }

    static void say(StringBuilder report, String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    private BillingLoad() {}
}
