package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.MeteringWorker;
import city.myriad.platform.time.Period;
import city.myriad.support.History;
import city.myriad.support.Periods;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Usage events in, rollups, the usage API, reconciliation and late usage, through the HTTP API against the real
 * database, with the scheduling loop and the cluster emulator running the jobs (speed-up 600).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class MeteringTest {

    @Inject
    MeteringWorker worker;

    @Inject
    Pool pool;

    /** A job that ran to its end on the emulator: its id, node, start and end. */
    record Ran(String id, String node, Instant startedAt, Instant endedAt, int cards) {}

    static Ran ranJob(World.Tenant t, String cluster, int cards, int maxRun) {
        String id = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":" + cards + ",\"class\":\"ON_DEMAND\",\"maxRunSeconds\":" + maxRun
                        + "}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        JsonPath done = until(t.member(), "/api/v1/jobs/" + id, j -> "SUCCEEDED".equals(j.getString("state")));
        return new Ran(id, done.getString("placement[0].node"), Instant.parse(done.getString("startedAt")),
                Instant.parse(done.getString("endedAt")), cards);
    }

    static JsonPath until(String token, String path, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().auth().oauth2(token).get(path).then().statusCode(200).extract().jsonPath();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError(path + " never got there; last seen: " + (last == null ? null : last.prettify()));
    }

    static String event(String eventId, String cluster, String job, String node, String cards, Instant start,
            Instant end) {
        return "{\"eventId\":\"" + eventId + "\",\"clusterId\":\"" + cluster + "\",\"jobId\":\"" + job + "\",\"node\":\""
                + node + "\",\"cards\":" + cards + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\"}";
    }

    static Response post(String token, List<String> events) {
        return given().auth().oauth2(token).contentType("application/json")
                .body("{\"events\":[" + String.join(",", events) + "]}").post("/api/v1/usage-events");
    }

    static String node1(String cluster) {
        return given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug") + "-n1";
    }

    @Test
    void each_event_is_accepted_once_duplicates_are_counted_once_and_bad_ones_are_rejected_with_their_reason() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        Ran r = ranJob(t, cluster, 8, 1200);
        String p = "e-" + UUID.randomUUID() + "-";
        Instant old = Instant.now().minus(40, ChronoUnit.DAYS);
        List<String> batch = List.of(
                event(p + "ok", cluster, r.id(), r.node(), "8", r.startedAt(), r.endedAt()),
                event(p + "ok", cluster, r.id(), r.node(), "8", r.startedAt(), r.endedAt()),
                event(p + "fraction", cluster, r.id(), r.node(), "1.5", r.startedAt(), r.endedAt()),
                event(p + "backwards", cluster, r.id(), r.node(), "8", r.endedAt(), r.startedAt()),
                "{\"eventId\":\"" + p + "no-job\",\"clusterId\":\"" + cluster + "\",\"node\":\"x\",\"cards\":1,"
                        + "\"startAt\":\"" + r.startedAt() + "\",\"endAt\":\"" + r.endedAt() + "\"}",
                event(p + "unknown", cluster, UUID.randomUUID().toString(), r.node(), "8", r.startedAt(), r.endedAt()),
                event(p + "before", cluster, r.id(), r.node(), "8", r.startedAt().minusSeconds(3600),
                        r.startedAt().minusSeconds(1800)),
                event(p + "elsewhere", cluster, r.id(), "no-such-node", "8", r.startedAt(), r.endedAt()),
                event(p + "too-many", cluster, r.id(), r.node(), "16", r.startedAt(), r.endedAt()),
                event(p + "late", cluster, r.id(), r.node(), "8", old, old.plusSeconds(60)));
        JsonPath first = post(Tokens.olga(), batch).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("ACCEPTED", "DUPLICATE", "REJECTED", "REJECTED", "REJECTED", "REJECTED", "REJECTED",
                "REJECTED", "REJECTED", "REJECTED"), first.getList("results.status"));
        List<String> reasons = first.getList("results.reason");
        assertEquals(Arrays.asList(null, null, "MALFORMED", "MALFORMED", "MALFORMED", "UNKNOWN_JOB", "OUTSIDE_RUN",
                "NODE_NOT_IN_PLACEMENT", "CARDS_ABOVE_PLACEMENT", "TOO_LATE"), reasons);
        assertEquals(1, first.getLong("accepted"));
        assertEquals(1, first.getLong("duplicates"));
        assertEquals(8, first.getLong("rejected"));

        // The whole batch again, as a client that lost the answer sends it: nothing more is counted.
        JsonPath again = post(Tokens.olga(), batch).then().statusCode(200).extract().jsonPath();
        assertEquals(0, again.getLong("accepted"));
        assertEquals("DUPLICATE", again.getString("results[0].status"));

        worker.drain();
        JsonPath usage = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + r.id() + "/usage").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, usage.getLong("eventCount"));
        long seconds = Duration.between(r.startedAt(), r.endedAt()).getSeconds();
        assertEquals(0, new BigDecimal(usage.getString("lifecycleCardSeconds")).compareTo(BigDecimal.valueOf(8 * seconds)));
        assertEquals(0, new BigDecimal(usage.getString("measuredCardSeconds")).compareTo(BigDecimal.valueOf(8 * seconds)));
        assertEquals("MATCHED", usage.getString("reconciliation"));
        // Its agent reported neither how busy the cards were nor the energy: nothing is made up.
        assertNull(usage.getString("meanUtilization"));
        assertNull(usage.getString("energyWh"));
        assertNull(usage.getString("runs[0].meanUtilization"));
    }

    /** How busy a job's cards were and the energy they drew, as its agents measured: weighted, summed, never guessed. */
    @Test
    void a_jobs_usage_shows_how_busy_its_cards_were_and_the_energy_its_agents_measured() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        Ran r = ranJob(t, cluster, 8, 3600);  // 6 s: its first quarter lasts over a second
        Instant mid = r.startedAt().plusMillis(Duration.between(r.startedAt(), r.endedAt()).toMillis() / 4);
        String p = "u-" + UUID.randomUUID() + "-";
        // The first quarter at 50% with its energy, the rest at 100% without (4 cards each), half a card's energy
        // without utilization: the mean is weighted by card-seconds (about 0.875; unweighted it would be 0.75).
        List<String> batch = List.of(
                measured(event(p + "a", cluster, r.id(), r.node(), "4", r.startedAt(), mid), "0.5", "100.25"),
                measured(event(p + "b", cluster, r.id(), r.node(), "4", mid, r.endedAt()), "1", null),
                measured(event(p + "c", cluster, r.id(), r.node(), "0.5", r.startedAt(), r.endedAt()), null, "20.5"),
                measured(event(p + "over", cluster, r.id(), r.node(), "1", r.startedAt(), r.endedAt()), "1.2", null));
        JsonPath posted = post(Tokens.olga(), batch).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("ACCEPTED", "ACCEPTED", "ACCEPTED", "REJECTED"), posted.getList("results.status"));
        assertEquals("MALFORMED", posted.getString("results[3].reason"));
        worker.drain();

        JsonPath usage = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + r.id() + "/usage").then()
                .statusCode(200).extract().jsonPath();
        long a = 4000L * Duration.between(r.startedAt(), mid).getSeconds();
        long b = 4000L * Duration.between(mid, r.endedAt()).getSeconds();
        BigDecimal mean = BigDecimal.valueOf(a).multiply(new BigDecimal("0.5")).add(BigDecimal.valueOf(b))
                .divide(BigDecimal.valueOf(a + b), 3, java.math.RoundingMode.HALF_EVEN);
        assertTrue(mean.compareTo(new BigDecimal("0.8")) > 0 && mean.compareTo(new BigDecimal("0.95")) < 0, "" + mean);
        assertEquals(0, mean.compareTo(new BigDecimal(usage.getString("meanUtilization"))), usage.prettify());
        assertEquals(0, new BigDecimal("120.75").compareTo(new BigDecimal(usage.getString("energyWh"))), usage.prettify());
        assertEquals(usage.getString("meanUtilization"), usage.getString("runs[0].meanUtilization"));
        assertEquals(usage.getString("energyWh"), usage.getString("runs[0].energyWh"));
        assertEquals(3, usage.getLong("eventCount"));
        // The hourly usage carries the same measures: the tenant's only job on the cluster, so its line is the job's
        // (to a thousandth: an event crossing an hour is weighed by each hour's whole seconds).
        String window = "?from=" + r.startedAt().truncatedTo(ChronoUnit.HOURS) + "&to="
                + r.endedAt().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
        JsonPath lines = given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=cluster").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(cluster), lines.getList("lines.key"));
        assertEquals(mean.doubleValue(), lines.getDouble("lines[0].meanUtilization"), 0.0015, lines.prettify());
        assertEquals(0, new BigDecimal("120.75").compareTo(new BigDecimal(lines.getString("lines[0].energyWh"))));
        JsonPath olgas = given().auth().oauth2(Tokens.olga()).get("/api/v1/usage" + window + "&groupBy=day&clusterId="
                + cluster).then().statusCode(200).extract().jsonPath();
        assertEquals(0, new BigDecimal("120.75").compareTo(olgas.getList("lines.energyWh", String.class).stream()
                .map(BigDecimal::new).reduce(BigDecimal.ZERO, BigDecimal::add)), olgas.prettify());
        // Grouped by a tag the measures are not kept (by the hour and project, not by job): null, as measured usage.
        given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=tag&tagKey=team").then()
                .statusCode(200).body("lines[0].energyWh", equalTo(null)).body("lines[0].meanUtilization", equalTo(null));
        // Its cluster's operator reads the same; another tenant does not see the job at all.
        given().auth().oauth2(Tokens.olga()).get("/api/v1/jobs/" + r.id() + "/usage").then().statusCode(200)
                .body("energyWh", equalTo(usage.getFloat("energyWh")));
        given().auth().oauth2(World.tenant().member()).get("/api/v1/jobs/" + r.id() + "/usage").then()
                .statusCode(404);
    }

    /** An event with the optional measures: {@code utilization} and {@code energyWh} when not null. */
    static String measured(String event, String utilization, String energyWh) {
        return event.substring(0, event.length() - 1) + (utilization == null ? "" : ",\"utilization\":" + utilization)
                + (energyWh == null ? "" : ",\"energyWh\":" + energyWh) + "}";
    }

    @Test
    void the_same_events_in_concurrent_batches_are_counted_exactly_once() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Ran r = ranJob(t, cluster, 8, 1200);
        String p = "c-" + UUID.randomUUID() + "-";
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.add(event(p + i, cluster, r.id(), r.node(), "1", r.startedAt(), r.endedAt()));
        }
        ExecutorService pool8 = Executors.newFixedThreadPool(8);
        List<Future<JsonPath>> answers = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            List<String> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, new java.util.Random(c));
            Callable<JsonPath> send = () -> post(Tokens.olga(), shuffled).then().statusCode(200).extract().jsonPath();
            answers.add(pool8.submit(send));
        }
        long accepted = 0;
        long duplicates = 0;
        for (Future<JsonPath> a : answers) {
            accepted += a.get().getLong("accepted");
            duplicates += a.get().getLong("duplicates");
        }
        pool8.shutdown();
        assertEquals(200, accepted, "each event accepted by exactly one batch");
        assertEquals(7 * 200, duplicates);
        worker.drain();
        JsonPath usage = given().auth().oauth2(Tokens.olga()).get("/api/v1/jobs/" + r.id() + "/usage").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(200, usage.getLong("eventCount"));
        // 200 events of one card over the whole run: 25 times the run's 8 cards, far off: flagged for olga.
        assertEquals("DISCREPANT", usage.getString("reconciliation"));
        List<String> flagged = given().auth().oauth2(Tokens.olga()).get("/api/v1/usage/discrepancies?limit=500").then()
                .statusCode(200).extract().path("items.jobId");
        assertTrue(flagged.contains(r.id()), "olga's discrepancies list the job");
    }

    @Test
    void only_the_clusters_operator_posts_and_only_the_jobs_tenant_operator_and_admins_read_its_usage() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        Ran r = ranJob(t, cluster, 8, 1200);
        String slug = "op-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Other city\"}").post("/api/v1/operators").then()
                .statusCode(201);
        String stranger = Tokens.token("stranger", null, slug, "operator");
        List<String> one = List.of(event("a-" + UUID.randomUUID(), cluster, r.id(), r.node(), "8", r.startedAt(),
                r.endedAt()));
        post(t.admin(), one).then().statusCode(403).body("code", equalTo("OPERATOR_ROLE_REQUIRED"));
        post(stranger, one).then().statusCode(403).body("code", equalTo("NOT_CLUSTER_OPERATOR"));
        post(Tokens.admin(), one).then().statusCode(200).body("accepted", equalTo(1));

        String usage = "/api/v1/jobs/" + r.id() + "/usage";
        given().auth().oauth2(t.viewer()).get(usage).then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).get(usage).then().statusCode(200);
        given().auth().oauth2(Tokens.admin()).get(usage).then().statusCode(200);
        given().auth().oauth2(other.admin()).get(usage).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(stranger).get(usage).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));

        worker.drain();
        String window = "?from=" + r.startedAt().truncatedTo(ChronoUnit.DAYS) + "&to="
                + r.endedAt().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        assertEquals(List.of(), given().auth().oauth2(other.admin()).get("/api/v1/usage" + window + "&groupBy=cluster")
                .then().statusCode(200).extract().path("lines"), "another tenant sees none of it");
        assertEquals(List.of(), given().auth().oauth2(stranger).get("/api/v1/usage" + window + "&groupBy=cluster")
                .then().statusCode(200).extract().path("lines"), "another operator sees none of it");
        List<String> olgas = given().auth().oauth2(Tokens.olga()).get("/api/v1/usage" + window + "&groupBy=cluster")
                .then().statusCode(200).extract().path("lines.key");
        assertTrue(olgas.contains(cluster), "the operator sees the usage on its cluster");
        given().auth().oauth2(Tokens.olga()).get("/api/v1/usage" + window + "&groupBy=project").then().statusCode(400);
        given().auth().oauth2(t.admin()).get("/api/v1/usage" + window + "&tenantId=" + other.id()).then()
                .statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/api/v1/usage" + window + "&tenantId=" + t.id()).then()
                .statusCode(200).body("tenantId", equalTo(t.id()));
    }

    /**
     * Showback by tag: usage grouped by the value of one tag key sums, per value, the runs of the jobs carrying it
     * (jobs without it under a null key), and in all to what every other grouping sums; measured usage is not
     * given; bad or misplaced tagKey 400; operators may not group by tag; another tenant sees none of it.
     */
    @Test
    void usage_grouped_by_a_tag_sums_each_values_runs_and_all_of_them_to_the_other_groupings() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        String node = node1(cluster);
        Instant base = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS);
        String[] teams = {"vision", "vision", "nlp", null};
        int[][] runs = {{8, 1337, 7261}, {3, 3599, 3602}, {1, 5000, 17}, {5, 10, 3601}};
        Map<String, Long> seconds = new java.util.HashMap<>();
        Map<String, Long> cost = new java.util.HashMap<>();
        for (int i = 0; i < runs.length; i++) {
            Instant start = base.plusSeconds(runs[i][1]);
            UUID job = History.ran(pool, t.id(), t.projectId(), cluster, node, runs[i][0], start,
                    start.plusSeconds(runs[i][2]), 1200);
            if (teams[i] != null) {
                String team = teams[i];
                pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                        .chain(() -> c.preparedQuery("update jobs set tags = jsonb_build_object('team', $2::text, "
                                + "'site', 'hz') where id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(job,
                                        team)))).await().indefinitely();
            }
            String key = String.valueOf(teams[i]);
            seconds.merge(key, (long) runs[i][0] * runs[i][2], Long::sum);
            cost.merge(key, city.myriad.platform.money.Charges.of(1200, runs[i][0] * 1000,
                    Duration.ofSeconds(runs[i][2])), Long::sum);
        }
        worker.drain();

        String window = "/api/v1/usage?from=" + base + "&to=" + base.plus(2, ChronoUnit.DAYS);
        JsonPath byTeam = given().auth().oauth2(t.member()).get(window + "&groupBy=tag&tagKey=team").then()
                .statusCode(200).body("groupBy", equalTo("tag")).extract().jsonPath();
        assertEquals(Arrays.asList("nlp", "vision", null), byTeam.getList("lines.key"), "by value, untagged last");
        for (int i = 0; i < 3; i++) {
            String key = String.valueOf(byTeam.getString("lines[" + i + "].key"));
            assertEquals(0, new BigDecimal(byTeam.getString("lines[" + i + "].cardSeconds"))
                    .compareTo(BigDecimal.valueOf(seconds.get(key))), key);
            assertEquals(cost.get(key), byTeam.getLong("lines[" + i + "].cost.amountMinor"), key);
            assertTrue(byTeam.get("lines[" + i + "].measuredCardSeconds") == null, "not kept by job");
            assertTrue(byTeam.get("lines[" + i + "].eventCount") == null);
        }
        JsonPath byClass = given().auth().oauth2(t.member()).get(window + "&groupBy=class").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(byClass.getLong("lines[0].cost.amountMinor"), cost.values().stream().mapToLong(Long::longValue)
                .sum(), "the tag's lines sum to what the rollups say");
        assertEquals(List.of("hz", "null"), given().auth().oauth2(t.member()).get(window + "&groupBy=tag&tagKey=site")
                .then().statusCode(200).extract().jsonPath().getList("lines.key").stream().map(String::valueOf)
                .toList());

        given().auth().oauth2(t.member()).get(window + "&groupBy=tag").then().statusCode(400)
                .body("errors[0].field", equalTo("tagKey"));
        given().auth().oauth2(t.member()).get(window + "&groupBy=tag&tagKey=-bad").then().statusCode(400)
                .body("errors[0].field", equalTo("tagKey"));
        given().auth().oauth2(t.member()).get(window + "&groupBy=day&tagKey=team").then().statusCode(400)
                .body("errors[0].field", equalTo("tagKey"));
        given().auth().oauth2(Tokens.olga()).get(window + "&groupBy=tag&tagKey=team").then().statusCode(400)
                .body("errors[0].field", equalTo("groupBy"));
        assertEquals(List.of(), given().auth().oauth2(other.member()).get(window + "&groupBy=tag&tagKey=team").then()
                .statusCode(200).extract().path("lines"), "another tenant sees none of it");
    }

    @Test
    void hourly_rollups_sum_to_the_raw_runs_to_the_card_second_and_cost_to_the_minor_unit() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String node = node1(cluster);
        // Runs that cross hour boundaries, at odd seconds, in this month.
        Instant base = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS);
        long seconds = 0;
        long cost = 0;
        int[][] runs = {{8, 1337, 7261}, {3, 3599, 3602}, {1, 5000, 17}, {5, 10, 36001}};
        for (int[] run : runs) {
            Instant start = base.plusSeconds(run[1]);
            Instant end = start.plusSeconds(run[2]).plusMillis(731);
            History.ran(pool, t.id(), t.projectId(), cluster, node, run[0], start, end, 1200);
            seconds += (long) run[0] * run[2];
            cost += city.myriad.platform.money.Charges.of(1200, run[0] * 1000, Duration.ofSeconds(run[2]));
        }
        Ran live = ranJob(t, cluster, 4, 1200);
        seconds += 4 * Duration.between(live.startedAt(), live.endedAt()).getSeconds();
        cost += given().auth().oauth2(t.member()).get("/api/v1/jobs/" + live.id()).then().extract()
                .jsonPath().getLong("cost.amountMinor");
        worker.drain();

        String window = "?from=" + base + "&to=" + Instant.now().plus(1, ChronoUnit.HOURS);
        JsonPath byHour = given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=hour").then()
                .statusCode(200).extract().jsonPath();
        BigDecimal hourly = byHour.getList("lines.cardSeconds", String.class).stream().map(BigDecimal::new)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        long hourlyCost = byHour.getList("lines.cost.amountMinor", Long.class).stream().mapToLong(Long::longValue).sum();
        assertEquals(0, hourly.compareTo(BigDecimal.valueOf(seconds)), "card-seconds by hour " + hourly + " vs " + seconds);
        assertEquals(cost, hourlyCost, "cost by hour sums to the runs' charges");
        assertTrue(byHour.getList("lines").size() >= 11, "the runs cover at least 11 hours");
        JsonPath byClass = given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=class").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, byClass.getList("lines").size());
        assertEquals("ON_DEMAND", byClass.getString("lines[0].key"));
        assertEquals(0, new BigDecimal(byClass.getString("lines[0].cardSeconds")).compareTo(BigDecimal.valueOf(seconds)));
        assertEquals(cost, byClass.getLong("lines[0].cost.amountMinor"));
    }

    @Test
    void usage_narrows_to_one_project_and_one_cluster_and_refuses_what_the_caller_cannot_narrow_to() {
        String c1 = World.cluster(1);
        String c2 = World.cluster(1);
        World.Tenant t = World.tenant();
        String lab = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"slug\":\"lab\",\"name\":\"Lab\"}").post("/api/v1/tenants/" + t.id() + "/projects").then()
                .statusCode(201).extract().path("id");
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(5, ChronoUnit.HOURS);
        History.ran(pool, t.id(), t.projectId(), c1, node1(c1), 2, base, base.plusSeconds(3600), 1200);
        History.ran(pool, t.id(), lab, c1, node1(c1), 1, base, base.plusSeconds(1800), 1200);
        History.ran(pool, t.id(), t.projectId(), c2, node1(c2), 4, base, base.plusSeconds(600), 1200);
        worker.drain();
        String window = "/api/v1/usage?from=" + base + "&to=" + base.plus(1, ChronoUnit.DAYS);

        JsonPath work = given().auth().oauth2(t.member()).get(window + "&groupBy=cluster&projectId=" + t.projectId())
                .then().statusCode(200).extract().jsonPath();
        assertEquals(Map.of(c1, "7200", c2, "2400"), byKey(work));
        assertEquals(Map.of(lab, "1800"), byKey(given().auth().oauth2(t.member())
                .get(window + "&groupBy=project&projectId=" + lab).then().statusCode(200).extract().jsonPath()));
        JsonPath onC2 = given().auth().oauth2(t.member()).get(window + "&groupBy=project&clusterId=" + c2).then()
                .statusCode(200).extract().jsonPath();
        assertEquals(Map.of(t.projectId(), "2400"), byKey(onC2));
        // The operator narrows to one of its clusters: every tenant's usage there.
        JsonPath olga = given().auth().oauth2(Tokens.olga()).get(window + "&groupBy=cluster&clusterId=" + c1).then()
                .statusCode(200).extract().jsonPath();
        assertEquals(Map.of(c1, "9000"), byKey(olga));
        // A platform admin names the tenant of the project.
        assertEquals(Map.of(lab, "1800"), byKey(given().auth().oauth2(Tokens.admin())
                .get(window + "&groupBy=project&tenantId=" + t.id() + "&projectId=" + lab).then().statusCode(200)
                .extract().jsonPath()));

        World.Tenant other = World.tenant();
        given().auth().oauth2(t.member()).get(window + "&projectId=" + other.projectId()).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(t.member()).get(window + "&clusterId=" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("CLUSTER_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).get(window + "&projectId=" + lab).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("tenantId"));
        given().auth().oauth2(Tokens.olga()).get(window + "&projectId=" + lab).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("projectId"));
        String slug = "op-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Other city\"}").post("/api/v1/operators").then()
                .statusCode(201);
        given().auth().oauth2(Tokens.token("oscar", null, slug, "operator")).get(window + "&clusterId=" + c1).then()
                .statusCode(403).body("code", equalTo("NOT_CLUSTER_OPERATOR"));
    }

    /** A usage answer's lines as key → card-seconds. */
    static Map<String, String> byKey(JsonPath usage) {
        Map<String, String> lines = new java.util.HashMap<>();
        for (int i = 0; i < usage.getList("lines").size(); i++) {
            lines.put(usage.getString("lines[" + i + "].key"), usage.getString("lines[" + i + "].cardSeconds"));
        }
        return lines;
    }

    @Test
    void late_usage_of_a_closed_period_is_billed_in_the_next_one_and_usage_past_the_window_is_too_late() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String node = node1(cluster);
        Period current = Period.of(Instant.now());
        Period previous = new Period(current.month().minusMonths(1));
        Instant lastHour = current.start().minus(1, ChronoUnit.HOURS); // the previous period's last hour
        UUID ranBefore = History.ran(pool, t.id(), t.projectId(), cluster, node, 8, lastHour,
                lastHour.plusSeconds(3600), 1200);
        worker.drain();
        String p = "l-" + UUID.randomUUID() + "-";
        post(Tokens.olga(), List.of(event(p + 1, cluster, ranBefore.toString(), node, "8", lastHour,
                lastHour.plusSeconds(1800)))).then().statusCode(200).body("accepted", equalTo(1));
        worker.drain();

        given().auth().oauth2(t.admin()).post("/api/v1/billing/periods/" + previous + "/close").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/" + current + "/close").then()
                .statusCode(409).body("code", equalTo("PERIOD_NOT_ENDED"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/2026-13/close").then().statusCode(400)
                .body("code", equalTo("INVALID_PERIOD"));
        assertEquals("CLOSED", Periods.close(previous.toString()).getString("state"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/" + previous + "/close").then()
                .statusCode(200).body("state", equalTo("CLOSED"));

        // After the close: the second half hour measured, and a run of that hour the meter had not seen.
        post(Tokens.olga(), List.of(event(p + 2, cluster, ranBefore.toString(), node, "8", lastHour.plusSeconds(1800),
                lastHour.plusSeconds(3600)))).then().statusCode(200).body("accepted", equalTo(1));
        History.ran(pool, t.id(), t.projectId(), cluster, node, 2, lastHour.plusSeconds(600), lastHour.plusSeconds(1200),
                1200);
        worker.drain();

        String window = "?from=" + lastHour + "&to=" + current.start();
        JsonPath byPeriod = given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=period").then()
                .statusCode(200).extract().jsonPath();
        Map<String, Object> before = line(byPeriod, previous.toString());
        Map<String, Object> after = line(byPeriod, current.toString());
        assertEquals(0, new BigDecimal(before.get("cardSeconds").toString()).compareTo(BigDecimal.valueOf(8 * 3600)));
        assertEquals(0, new BigDecimal(before.get("measuredCardSeconds").toString()).compareTo(BigDecimal.valueOf(8 * 1800)));
        assertEquals(0, new BigDecimal(after.get("cardSeconds").toString()).compareTo(BigDecimal.valueOf(2 * 600)),
                "the run the meter saw after the close is billed in the next period");
        assertEquals(0, new BigDecimal(after.get("measuredCardSeconds").toString()).compareTo(BigDecimal.valueOf(8 * 1800)),
                "the late event is billed in the next period");
        // Still counted in the hour it belongs to.
        JsonPath byHour = given().auth().oauth2(t.member()).get("/api/v1/usage" + window + "&groupBy=hour").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, byHour.getList("lines").size());
        assertEquals(0, new BigDecimal(byHour.getString("lines[0].measuredCardSeconds"))
                .compareTo(BigDecimal.valueOf(8 * 3600)));

        Instant tooOld = Instant.now().minus(36, ChronoUnit.DAYS);
        post(Tokens.olga(), List.of(event(p + 3, cluster, ranBefore.toString(), node, "8", tooOld,
                tooOld.plusSeconds(60)))).then().statusCode(200).body("results[0].reason", equalTo("TOO_LATE"));
    }

    @Inject
    city.myriad.jobs.service.ClusterEmulator emulator;

    @Test
    void the_emulator_reports_a_run_as_its_agents_would_and_the_job_reconciles_matched() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        emulator.reportUsage(true);
        Ran r;
        try {
            r = ranJob(t, cluster, 4, 1200);
        } finally {
            emulator.reportUsage(false);
        }
        JsonPath usage = until(t.member(), "/api/v1/jobs/" + r.id() + "/usage", u -> {
            worker.drain();
            return u.getLong("eventCount") == 1 && "MATCHED".equals(u.getString("reconciliation"));
        });
        assertEquals(0, new BigDecimal(usage.getString("measuredCardSeconds"))
                .compareTo(new BigDecimal(usage.getString("lifecycleCardSeconds"))));
        // The emulator's agents report how busy the cards were (60-97.9%) and the energy of 4 cards at that use.
        BigDecimal busy = new BigDecimal(usage.getString("meanUtilization"));
        assertTrue(busy.compareTo(new BigDecimal("0.6")) >= 0 && busy.compareTo(new BigDecimal("0.979")) <= 0, "" + busy);
        double hours = Duration.between(r.startedAt(), r.endedAt()).toMillis() / 3_600_000.0;
        assertEquals(4 * (100 + 300 * busy.doubleValue()) * hours, usage.getDouble("energyWh"), 0.05, usage.prettify());
    }

    @Test
    void the_background_meter_rolls_up_accepted_events_by_itself() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Ran r = ranJob(t, cluster, 8, 1200);
        String p = "b-" + UUID.randomUUID() + "-";
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(event(p + i, cluster, r.id(), r.node(), "1", r.startedAt(), r.startedAt().plusSeconds(1)));
        }
        post(Tokens.olga(), events).then().statusCode(200).body("accepted", equalTo(300));
        String window = "?from=" + r.startedAt().truncatedTo(ChronoUnit.HOURS) + "&to="
                + r.startedAt().plus(2, ChronoUnit.HOURS) + "&groupBy=class";
        JsonPath usage = until(t.member(), "/api/v1/usage" + window, u -> u.getList("lines").size() == 1
                && u.getLong("lines[0].eventCount") == 300);
        assertEquals(0, new BigDecimal(usage.getString("lines[0].measuredCardSeconds")).compareTo(BigDecimal.valueOf(300)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> line(JsonPath usage, String key) {
        return usage.getList("lines", Map.class).stream().filter(l -> key.equals(l.get("key"))).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + key + " in " + usage.prettify()));
    }
}
