package city.myriad.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.service.ClusterEmulator;
import city.myriad.jobs.service.QueuePlans;
import city.myriad.support.Tokens;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Jobs through the HTTP API with the scheduling loop and the cluster emulator (speed-up 600 in tests: a job of
 * 60 s ends 0.1 s after it starts), each test on a cluster and tenants of its own.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobsTest {

    @Inject
    ClusterEmulator emulator;

    @Inject
    Pool pool;

    @Inject
    MeterRegistry meters;

    @Inject
    QueuePlans plans;

    static String job(String cluster, String project, String cards, String cls, int maxRun) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":" + cards + ",\"class\":\"" + cls + "\",\"maxRunSeconds\":" + maxRun + "}";
    }

    static Response submit(String token, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body).post("/api/v1/jobs");
    }

    static String submitted(String token, String body) {
        return submit(token, body).then().statusCode(201).extract().path("id");
    }

    /** Polls the job until it matches (at most 30 s: a wait for the loop, never a timing assertion). */
    static JsonPath until(String token, String job, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().auth().oauth2(token).get("/api/v1/jobs/" + job).then().statusCode(200).extract().jsonPath();
            if (done.test(last)) {
                return last;
            }
            sleep(50);
        }
        throw new AssertionError("job " + job + " never got there; last seen: " + (last == null ? null : last.prettify()));
    }

    /** A job of 8 cards for 10 hours, submitted and seen RUNNING: it fills one node. */
    static JsonPath runningWholeNode(World.Tenant t, String cluster) {
        return until(t.admin(), submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000)),
                state("RUNNING"));
    }

    static Predicate<JsonPath> state(String s) {
        return j -> s.equals(j.getString("state"));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void an_on_demand_job_is_placed_on_cards_runs_and_succeeds_with_its_history_and_cost() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        Response created = submit(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        created.then().statusCode(201).body("state", equalTo("QUEUED")).body("unitPrice.amountMinor", equalTo(1200))
                .body("projectedCost.amountMinor", equalTo(4800)).body("history[0].to", equalTo("QUEUED"));
        String id = created.path("id");
        JsonPath running = until(t.member(), id, state("RUNNING").or(state("SUCCEEDED")));
        JsonPath done = until(t.member(), id, state("SUCCEEDED"));
        List<Map<String, Object>> placement = done.getList("placement");
        assertEquals(1, placement.size(), "4 cards fit one node: " + placement);
        assertEquals(4, ((List<?>) placement.get(0).get("cards")).size());
        assertTrue(((String) placement.get(0).get("node")).contains("-n"));
        assertEquals(List.of("QUEUED", "RUNNING", "SUCCEEDED"), done.getList("history.to"));
        assertEquals("COMPLETED", done.getString("reason"));
        assertEquals(1, done.getInt("attempt"));
        // 6 s of run (3600 s / 600) at 12.00 per card-hour on 4 cards: 8 fen, give or take a second.
        long cost = done.getLong("cost.amountMinor");
        assertTrue(cost >= 0 && cost <= 20, "cost " + cost);
        assertEquals(0, done.getLong("credit.amountMinor"));
        assertTrue(running.getString("startedAt") != null);
    }

    @Test
    void a_fraction_of_a_card_is_a_job_and_a_malformed_fraction_is_refused() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String half = submitted(t.admin(), job(cluster, t.projectId(), "0.5", "ON_DEMAND", 60));
        JsonPath done = until(t.admin(), half, state("SUCCEEDED"));
        assertEquals(500, done.getInt("shareMilli"));
        assertEquals(1, ((List<?>) done.getList("placement.cards").get(0)).size());
        submit(t.admin(), job(cluster, t.projectId(), "1.5", "ON_DEMAND", 60)).then().statusCode(400)
                .body("code", equalTo("INVALID_CARDS"));
        submit(t.admin(), job(cluster, t.projectId(), "0.0005", "ON_DEMAND", 60)).then().statusCode(400);
        // Errors name the fields as the request carries them: "class", not the Java component behind it.
        submit(t.admin(), "{\"projectId\":\"" + t.projectId() + "\",\"cards\":1}").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("class", "clusterId", "maxRunSeconds",
                        "model"))
                .body("detail", org.hamcrest.Matchers.containsString("class: must not be null"));
        // A number too large for its field is a field error, not unreadable JSON.
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60).replace("60}", "99999999999999}"))
                .then().statusCode(400).body("code", equalTo("INVALID_FIELD_TYPE"))
                .body("errors[0].field", equalTo("maxRunSeconds"))
                .body("detail", org.hamcrest.Matchers.startsWith("Field 'maxRunSeconds' is out of range"));
        submit(t.admin(), job(cluster, t.projectId(), "9", "ON_DEMAND", 60)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
    }

    @Test
    void a_spot_job_is_preempted_for_an_on_demand_job_requeued_and_credited() {
        String cluster = World.cluster(2);
        World.Tenant spotTenant = World.tenant();
        World.Tenant onDemandTenant = World.tenant();
        String spot = submitted(spotTenant.admin(), job(cluster, spotTenant.projectId(), "16", "SPOT", 36000));
        until(spotTenant.admin(), spot, state("RUNNING"));
        sleep(2100);  // let the spot run be charged at least two whole seconds
        String urgent = submitted(onDemandTenant.admin(), job(cluster, onDemandTenant.projectId(), "8", "ON_DEMAND",
                36000));
        until(onDemandTenant.admin(), urgent, state("RUNNING"));
        JsonPath requeued = until(spotTenant.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
        List<String> to = requeued.getList("history.to");
        assertEquals(List.of("QUEUED", "RUNNING", "PREEMPTED", "QUEUED"), to.subList(0, 4));
        assertEquals("QUEUED", requeued.getString("state"));
        long credit = requeued.getLong("credit.amountMinor");
        assertTrue(credit > 0, "the interrupted run is credited: " + requeued.prettify());
        assertEquals(requeued.getLong("cost.amountMinor"), credit, "credit = the charge of the interrupted run");
        // The operator's agents were told to stop the spot run.
        List<Map<String, Object>> open = given().auth().oauth2(Tokens.olga())
                .get("/api/v1/clusters/" + cluster + "/assignments?limit=500").then().statusCode(200).extract()
                .jsonPath().getList("items");
        assertTrue(open.stream().noneMatch(a -> spot.equals(a.get("jobId")) && "START".equals(a.get("action"))
                && ((Number) a.get("attempt")).intValue() == 1), "the preempted run's START is closed");
        given().auth().oauth2(onDemandTenant.admin()).post("/api/v1/jobs/" + urgent + "/cancel").then().statusCode(200);
        given().auth().oauth2(spotTenant.admin()).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
    }

    /** The earliest start a quote gives for a job of 8 cards running at most {@code maxRunSeconds}. */
    static Instant quotedStart(World.Tenant t, String cluster, long maxRunSeconds) {
        return Instant.parse(given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":8,"
                        + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":" + maxRunSeconds + "}")
                .post("/api/v1/quotes").then().statusCode(201).extract().<String>path("earliestStartAt"));
    }

    @Test
    void the_scheduling_loop_publishes_its_queue_running_jobs_and_allocated_share_per_cluster() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        runningWholeNode(t, cluster);
        // A second whole-node job of 10 hours fills the other node; a third waits.
        until(t.admin(), submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000)), state("RUNNING"));
        String waiting = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        Map<String, Double> expected = Map.of("myriad_scheduler_running", 2.0, "myriad_scheduler_pending", 1.0,
                "myriad_scheduler_allocated_ratio", 1.0);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Map<String, Double> seen = Map.of();
        while (Instant.now().isBefore(deadline) && !seen.equals(expected)) {
            seen = gauges(cluster);
            sleep(50);
        }
        assertEquals(expected, seen, "the loop's gauges for cluster " + cluster + " at /q/metrics");
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + waiting + "/cancel").then().statusCode(200);
    }

    /** The scheduler's gauges of one cluster, as Prometheus scrapes them from the management port. */
    private static Map<String, Double> gauges(String cluster) {
        Map<String, Double> found = new java.util.TreeMap<>();
        city.myriad.support.Management.management().get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("myriad_scheduler_") && l.contains("cluster=\"" + cluster + "\""))
                .filter(l -> !l.startsWith("myriad_scheduler_decision") && !l.startsWith("myriad_scheduler_cycle"))
                .forEach(l -> found.put(l.substring(0, l.indexOf('{')),
                        Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))));
        return found;
    }

    @Test
    void a_suspended_tenants_queued_job_waits_until_the_suspension_is_lifted() {
        String cluster = World.cluster(1);
        World.Tenant other = World.tenant();
        World.Tenant late = World.tenant();
        String blocker = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 3600));
        emulator.hang(UUID.fromString(blocker));
        until(other.admin(), blocker, state("RUNNING"));
        String waiting = submitted(late.admin(), job(cluster, late.projectId(), "8", "ON_DEMAND", 600));
        until(late.admin(), waiting, j -> "CAPACITY".equals(j.getString("reason")));
        // Its invoice went unpaid past the grace period (the billing worker's write, done here directly).
        platformSql("update tenants set status = 'SUSPENDED' where id = $1", UUID.fromString(late.id()));
        // The loop reads suspensions with its reservations (every 2 s): once it has, the freed cards are not its.
        until(late.admin(), waiting, j -> "TENANT_SUSPENDED".equals(j.getString("reason")));
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        until(other.admin(), blocker, state("CANCELLED"));
        JsonPath held = given().auth().oauth2(late.admin()).get("/api/v1/jobs/" + waiting).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("QUEUED", held.getString("state"));
        assertEquals("TENANT_SUSPENDED", held.getString("reason"));
        platformSql("update tenants set status = 'ACTIVE' where id = $1", UUID.fromString(late.id()));
        until(late.admin(), waiting, state("RUNNING").or(state("SUCCEEDED")));
    }

    @Test
    void a_job_over_its_time_limit_is_stopped_and_fails_with_TIME_LIMIT() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String id = submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 2)).then().statusCode(201)
                .extract().path("id");
        emulator.hang(UUID.fromString(id));
        JsonPath failed = until(t.admin(), id, state("FAILED"));
        assertEquals("TIME_LIMIT", failed.getString("reason"));
        assertEquals(List.of("QUEUED", "RUNNING", "FAILED"), failed.getList("history.to"));
        Instant started = Instant.parse(failed.getString("startedAt"));
        Instant ended = Instant.parse(failed.getString("endedAt"));
        assertTrue(!ended.isBefore(started.plusSeconds(2)), "stopped no earlier than its limit");
    }

    @Test
    void a_queued_job_counts_the_oldest_aged_jobs_then_every_other_job_smallest_first() {
        // Eleven jobs that have waited a day and an hour (q0 the oldest), each shorter than the one before, and one
        // just submitted, the shortest of all. The queue would take 95 h to drain on the cluster's 8 cards, so the
        // aging threshold is at its cap, 18 h: the eleven have aged. The scheduler reserves for 9 blocked jobs: the
        // 9 oldest aged jobs go first, oldest first; then every other job smallest first: the two other aged jobs
        // (25 h of waiting, 14 half-lives, make their areas of 26,000-27,000 s count as about 1.3 s, under the young
        // one's 600 s; q10 before q9: one minute older is not worth 1,000 s more), then the young one.
        assertPositionsInQueueOfTwelve(Duration.ofHours(25), List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 12));
    }

    @Test
    void the_aging_threshold_follows_the_time_the_queue_takes_to_drain() {
        // The same queue, its eleven older jobs 7 h old: past the 6.25 h a short queue ages at, but the queue would
        // take 95 h to drain, so none has aged. Every job goes by size alone: the young one first (7 h of waiting,
        // four half-lives, make the others' areas count as 1,600-2,300 s, still over its 600 s), then q10 to q0.
        assertPositionsInQueueOfTwelve(Duration.ofHours(7), List.of(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    }

    /**
     * Twelve 8-card jobs waiting on a busy one-node cluster: q0-q10 of 36,000 s down to 26,000 s, created
     * {@code age} ago a minute apart (q0 the oldest), and q11 of 600 s, just submitted; then their positions.
     */
    private void assertPositionsInQueueOfTwelve(Duration age, List<Integer> expected) {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String running = runningWholeNode(t, cluster).getString("id");
        List<String> queued = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int maxRun = i < 11 ? 36000 - 1000 * i : 600;
            queued.add(submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", maxRun)));
        }
        for (String q : queued) {
            until(t.admin(), q, j -> "CAPACITY".equals(j.getString("reason")));
        }
        Instant created = Instant.now().minus(age);
        for (int i = 0; i < 11; i++) {
            backdate(cluster, queued.get(i), created.plusSeconds(60L * i));
        }
        for (int i = 0; i < queued.size(); i++) {
            assertEquals(expected.get(i), position(t, queued.get(i)), "q" + i);
        }
        for (String q : queued) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + q + "/cancel").then().statusCode(200);
        }
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(200);
    }

    @Test
    void a_job_that_has_waited_goes_before_a_smaller_newer_one_once_its_wait_outweighs_its_size() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String running = runningWholeNode(t, cluster).getString("id");
        String older = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 18000));
        String newer = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3000));
        for (String q : List.of(older, newer)) {
            until(t.admin(), q, j -> "CAPACITY".equals(j.getString("reason")));
        }
        assertEquals(2, position(t, older), "by area alone: 18,000 s behind 3,000 s");
        // Five hours of waiting (under the 6.25 h aging threshold) are 2.9 half-lives of 1.75 h: the older job's
        // area counts 7.2 times less, under the newer one's a sixth of it. The view and a quote follow the core.
        backdate(cluster, older, Instant.now().minus(Duration.ofHours(5)));
        assertEquals(1, position(t, older));
        assertEquals(2, position(t, newer));
        for (String q : List.of(older, newer, running)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + q + "/cancel").then().statusCode(200);
        }
    }

    /**
     * A held job leaves the queue (the job behind it moves up, and a job it was ahead of starts while it is held) and
     * keeps its place in nothing: released, it waits from the release, so hours held are not hours aged.
     */
    @Test
    void a_held_job_leaves_the_queue_until_released_and_waits_from_its_release() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String running = runningWholeNode(t, cluster).getString("id");
        String older = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 18000));
        String newer = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3000));
        for (String q : List.of(older, newer)) {
            until(t.admin(), q, j -> "CAPACITY".equals(j.getString("reason")));
        }
        // Five hours waited put the longer job first (as in the test above).
        Instant fiveHoursAgo = Instant.now().minus(Duration.ofHours(5));
        backdate(cluster, older, fiveHoursAgo);
        assertEquals(1, position(t, older));

        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + older + "/hold").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_TENANT"))
                .body("queuePosition", nullValue()).body("estimatedStartAt", nullValue());
        assertEquals(1, position(t, newer), "the held job is in no queue");
        // Again: unchanged, and no second transition.
        JsonPath heldAgain = given().auth().oauth2(t.member()).post("/api/v1/jobs/" + older + "/hold").then()
                .statusCode(200).body("state", equalTo("HELD")).extract().jsonPath();
        assertEquals(List.of("QUEUED", "HELD"), heldAgain.getList("history.to"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?clusterId=" + cluster + "&state=HELD").then()
                .statusCode(200).body("items.id", equalTo(List.of(older)));
        // Releasing a queued job changes nothing.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + newer + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("history.to", equalTo(List.of("QUEUED")));

        Instant beforeRelease = Instant.now().minusSeconds(1);
        JsonPath released = given().auth().oauth2(t.member()).post("/api/v1/jobs/" + older + "/release").then()
                .statusCode(200).body("state", equalTo("QUEUED")).extract().jsonPath();
        assertEquals(List.of("QUEUED", "HELD", "QUEUED"), released.getList("history.to"));
        assertEquals(List.of("SUBMITTED", "HELD_BY_TENANT", "RELEASED"), released.getList("history.reason"));
        assertTrue(Instant.parse(released.getString("eligibleAt")).isAfter(beforeRelease), released.prettify());
        assertEquals(fiveHoursAgo.truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                Instant.parse(released.getString("createdAt")).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                "the submission time stays");
        // Its wait counts from the release: by area alone again, behind the shorter job.
        assertEquals(2, released.getInt("queuePosition"));
        assertEquals(1, position(t, newer));

        // Held, the shorter job is passed over: the node that frees goes to the longer one.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + newer + "/hold").then().statusCode(200)
                .body("state", equalTo("HELD"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(200);
        until(t.admin(), older, state("RUNNING"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + newer).then().statusCode(200)
                .body("state", equalTo("HELD")).body("history.to", equalTo(List.of("QUEUED", "HELD")));

        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + older + "/hold").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_HOLDABLE"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + older + "/release").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_HELD"));
        given().auth().oauth2(t.viewer()).post("/api/v1/jobs/" + newer + "/release").then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + newer).then().statusCode(200)
                .body("state", equalTo("HELD"));

        // A held job is live: a bulk cancellation of the held jobs ends it, and only it.
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"state\":\"HELD\"}").post("/api/v1/job-cancellations")
                .then().statusCode(200).body("jobIds", equalTo(List.of(newer)));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + newer).then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("history.to", equalTo(List.of("QUEUED", "HELD", "CANCELLED")));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + newer + "/release").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_HELD"));
        // Clean-up, not an assertion: the running job may have ended by now (30 s at the emulator's speed-up).
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + older + "/cancel");
    }

    /** Support: a platform admin holds any tenant's job (over the tenant's own hold too), releases it and cancels any. */
    @Test
    void a_platform_admin_holds_any_tenants_job_which_only_an_admin_releases_and_cancels_any() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String later = Instant.now().plusSeconds(3600).toString();
        String waiting = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 600)
                .replace("}", ",\"notBefore\":\"" + later + "\"}"));
        String heldByTenant = given().auth().oauth2(t.member()).contentType("application/json")
                .body(job(cluster, t.projectId(), "1", "ON_DEMAND", 600).replace("}", ",\"hold\":true}"))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");

        // A QUEUED job, and one its tenant holds: both held by the admin now.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_ADMIN"))
                .body("heldByTenant", equalTo(false));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + heldByTenant + "/hold").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_ADMIN"))
                .body("heldByTenant", equalTo(true))  // its tenant's hold under the admin's, which the view says
                .body("history.to", equalTo(List.of("QUEUED", "HELD", "HELD")))
                .body("history.reason", equalTo(List.of("SUBMITTED", "HELD_BY_TENANT", "HELD_BY_ADMIN")));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(200)
                .body("history.to", equalTo(List.of("QUEUED", "HELD")));  // again: unchanged
        // Its tenant may not release it, alone or in bulk, nor hold it away from the admin; it may cancel it.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + waiting + "/release").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("JOB_HELD_BY_ADMIN"));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"jobIds\":[\"" + waiting + "\",\"" + heldByTenant + "\"]}").post("/api/v1/job-releases")
                .then().statusCode(200).body("jobIds", org.hamcrest.Matchers.empty()).body("more", equalTo(false));
        // Its tenant's own hold lies under the admin's (once, however often asked), so that the admin's release
        // leaves the job held by its tenant instead of starting (and charging) work its tenant wants held.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(200)
                .body("reason", equalTo("HELD_BY_ADMIN"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(200)
                .body("reason", equalTo("HELD_BY_ADMIN")).body("heldByTenant", equalTo(true));
        given().auth().oauth2(t.member()).queryParam("state", "HELD").get("/api/v1/jobs").then().statusCode(200)
                .body("items.find { it.id == '" + waiting + "' }.heldByTenant", equalTo(true));
        // Another tenant sees none of it; the admin releases it: held by its tenant, whose release queues it.
        given().auth().oauth2(World.tenant().admin()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(404);
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + waiting + "/release").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_TENANT"))
                .body("heldByTenant", equalTo(true))
                .body("history.reason", equalTo(List.of("SUBMITTED", "HELD_BY_ADMIN", "HELD_BY_TENANT")));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + waiting + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("history.reason", equalTo(List.of("SUBMITTED", "HELD_BY_ADMIN",
                        "HELD_BY_TENANT", "RELEASED")));
        // The tenant withdraws its own hold from under the admin's (once: then it has none there), and the admin's
        // release queues the job.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + heldByTenant + "/release").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_ADMIN"))
                .body("heldByTenant", equalTo(false))
                .body("history.reason", equalTo(List.of("SUBMITTED", "HELD_BY_TENANT", "HELD_BY_ADMIN")));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + heldByTenant + "/release").then().statusCode(409)
                .body("code", equalTo("JOB_HELD_BY_ADMIN"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + heldByTenant + "/release").then().statusCode(200)
                .body("history[3].to", equalTo("QUEUED")).body("history[3].reason", equalTo("RELEASED"));  // may run
        // An admin's hold of a QUEUED job nobody else holds, released: QUEUED again (waiting for its notBefore).
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + waiting + "/hold").then().statusCode(200)
                .body("reason", equalTo("HELD_BY_ADMIN"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + waiting + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + UUID.randomUUID() + "/hold").then()
                .statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        // The admin cancels any tenant's job; the tenant's trail says who did what.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + heldByTenant + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("reason", equalTo("CANCELLED_BY_ADMIN"));
        JsonPath trail = given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/audit-events").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of("admin"), trail.getList("items.findAll { it.action == 'cancelJob' }.actor.username"));
        assertEquals(3, trail.getList("items.findAll { it.action == 'holdJob' && it.actor.username == 'admin' }")
                .size(), "the admin's three holds that changed a job: " + trail.prettify());
        assertEquals(1, trail.getList("items.findAll { it.action == 'holdJob' && it.actor.username != 'admin' }")
                .size(), "the tenant's hold under the admin's, once: " + trail.prettify());
        assertEquals(2, trail.getList("items.findAll { it.action == 'releaseJob' && it.actor.username != 'admin' }")
                .size(), "the tenant's releases of its own holds: " + trail.prettify());
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + waiting + "/cancel").then().statusCode(200);
    }

    /** Submitted with {@code hold}, a job is HELD from the start: a job beside it runs and ends, it waits for release. */
    @Test
    void a_job_submitted_held_waits_for_its_release_while_others_run() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String body = job(cluster, t.projectId(), "1", "ON_DEMAND", 60).replace("}", ",\"hold\":true}");
        String key = "held-" + UUID.randomUUID();
        JsonPath held = given().auth().oauth2(t.member()).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post("/api/v1/jobs").then().statusCode(201).body("state", equalTo("HELD"))
                .body("reason", equalTo("HELD_BY_TENANT")).extract().jsonPath();
        assertEquals(List.of("QUEUED", "HELD"), held.getList("history.to"));
        String id = held.getString("id");
        // The same key again is the same job, still held.
        given().auth().oauth2(t.member()).header("Idempotency-Key", key).contentType("application/json").body(body)
                .post("/api/v1/jobs").then().statusCode(201).body("id", equalTo(id)).body("state", equalTo("HELD"));
        // Without a key (the batched path otherwise), held all the same.
        String heldToo = submit(t.member(), body).then().statusCode(201).body("state", equalTo("HELD")).extract()
                .path("id");

        String beside = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 1));
        until(t.member(), beside, state("SUCCEEDED"));
        for (String h : List.of(id, heldToo)) {
            given().auth().oauth2(t.member()).get("/api/v1/jobs/" + h).then().statusCode(200)
                    .body("state", equalTo("HELD")).body("history.to", equalTo(List.of("QUEUED", "HELD")));
        }
        // Released, it is queued; the loop, woken by the release, may have started it before the answer was read.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + id + "/release").then().statusCode(200)
                .body("state", org.hamcrest.Matchers.oneOf("QUEUED", "RUNNING"));
        JsonPath ran = until(t.member(), id, state("SUCCEEDED"));
        assertEquals(List.of("QUEUED", "HELD", "QUEUED", "RUNNING", "SUCCEEDED"), ran.getList("history.to"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + heldToo + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
    }

    /**
     * A job submitted with a notBefore to come waits QUEUED (NOT_BEFORE), is estimated to start no sooner, and starts
     * once it has come; one too far ahead is refused, and one held and released before it still waits for it.
     */
    @Test
    void a_job_with_a_not_before_waits_for_it_and_then_starts() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant notBefore = Instant.now().plusSeconds(8).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String body = job(cluster, t.projectId(), "1", "ON_DEMAND", 60).replace("}",
                ",\"notBefore\":\"" + notBefore + "\"}");
        String later = submit(t.member(), body).then().statusCode(201).body("state", equalTo("QUEUED"))
                .body("reason", equalTo("NOT_BEFORE")).body("eligibleAt", equalTo(notBefore.toString()))
                .extract().path("id");
        String heldToo = submit(t.member(), body.replace("}", ",\"hold\":true}"))
                .then().statusCode(201).body("state", equalTo("HELD")).extract().path("id");
        JsonPath waiting = until(t.member(), later, j -> "NOT_BEFORE".equals(j.getString("reason")));
        assertEquals("QUEUED", waiting.getString("state"));
        assertFalse(Instant.parse(waiting.getString("estimatedStartAt")).isBefore(notBefore), waiting.prettify());
        // Released before its notBefore, the held one still waits for it.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + heldToo + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("eligibleAt", equalTo(notBefore.toString()));

        for (String j : List.of(later, heldToo)) {
            JsonPath started = until(t.member(), j, v -> v.getString("startedAt") != null);
            assertFalse(Instant.parse(started.getString("startedAt")).isBefore(notBefore), started.prettify());
        }

        // More than 31 days ahead: 400 naming it, nothing queued.
        String tooFar = job(cluster, t.projectId(), "1", "ON_DEMAND", 60).replace("}",
                ",\"notBefore\":\"" + Instant.now().plus(Duration.ofDays(32)) + "\"}");
        submit(t.member(), tooFar).then().statusCode(400).body("errors[0].field", equalTo("notBefore"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?clusterId=" + cluster).then().statusCode(200)
                .body("items", hasSize(2));
    }

    @Test
    void a_quote_for_a_later_start_answers_the_start_the_job_submitted_for_it_is_told() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant notBefore = Instant.now().plus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String shape = "{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":8,"
                + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":3600";
        // The node is idle: now, without notBefore; at the notBefore with it, which the quote keeps.
        Instant soon = Instant.parse(given().auth().oauth2(t.member()).contentType("application/json").body(shape + "}")
                .post("/api/v1/quotes").then().statusCode(201).body("notBefore", nullValue())
                .extract().<String>path("earliestStartAt"));
        assertTrue(soon.isBefore(notBefore.minus(Duration.ofHours(1))), soon.toString());
        String later = given().auth().oauth2(t.member()).contentType("application/json")
                .body(shape + ",\"notBefore\":\"" + notBefore + "\"}").post("/api/v1/quotes").then().statusCode(201)
                .body("notBefore", equalTo(notBefore.toString()))
                .body("earliestStartAt", equalTo(notBefore.toString())).extract().path("id");
        // The job submitted with that quote and notBefore is told the same start.
        String job = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600).replace("}",
                ",\"quoteId\":\"" + later + "\",\"notBefore\":\"" + notBefore + "\"}"));
        assertEquals(notBefore.toString(), until(t.member(), job, j -> j.getString("estimatedStartAt") != null)
                .getString("estimatedStartAt"));

        // A reservation's window starts at its startAt; a notBefore beyond 31 days is refused, as createJob refuses it.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"clusterId\":\"" + cluster
                        + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"startAt\":\""
                        + notBefore + "\",\"endAt\":\"" + notBefore.plus(Duration.ofHours(1)) + "\",\"notBefore\":\""
                        + notBefore + "\"}")
                .post("/api/v1/quotes").then().statusCode(400).body("errors[0].field", equalTo("notBefore"));
        given().auth().oauth2(t.member()).contentType("application/json")
                .body(shape + ",\"notBefore\":\"" + Instant.now().plus(Duration.ofDays(32)) + "\"}")
                .post("/api/v1/quotes").then().statusCode(400).body("errors[0].field", equalTo("notBefore"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
    }

    private static int position(World.Tenant t, String job) {
        return given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + job).then().statusCode(200).extract()
                .jsonPath().getInt("queuePosition");
    }

    @Test
    void a_gang_asking_for_one_block_waits_while_the_free_nodes_span_blocks_and_starts_inside_one() {
        String cluster = World.cluster(4);  // blocks: nodes 1-2 and 3-4, 16 cards each
        World.Tenant t = World.tenant();
        Map<String, String> jobOnNode = new java.util.HashMap<>();
        Map<String, Instant> endOnNode = new java.util.HashMap<>();
        for (int i = 0; i < 4; i++) {
            JsonPath running = runningWholeNode(t, cluster);
            String node = running.getString("placement[0].node").replaceAll(".*-n", "n");
            jobOnNode.put(node, running.getString("id"));
            endOnNode.put(node, Instant.parse(running.getString("startedAt")).plusSeconds(36000));
        }
        // One node free in each block: 16 cards, but no block with 16.
        for (String node : List.of("n1", "n3")) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + jobOnNode.get(node) + "/cancel").then()
                    .statusCode(200);
        }
        String oneBlock = submitted(t.admin(), job(cluster, t.projectId(), "16", "ON_DEMAND", 3600)
                .replace("}", ",\"sameBlock\":true}"));
        JsonPath waiting = until(t.admin(), oneBlock, j -> "BLOCK".equals(j.getString("reason")));
        assertEquals("QUEUED", waiting.getString("state"));
        sleep(1000);  // several cycles of the loop: it is never started and taken back
        JsonPath still = given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + oneBlock).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("QUEUED", still.getString("state"));
        assertEquals(List.of("QUEUED"), still.getList("history.to"), "never started: " + still.prettify());
        // Its estimate counts one block at a time: when the first block whose other node frees holds it (the 16
        // cards free now across blocks do not).
        Instant blockHolds = endOnNode.get("n2").isBefore(endOnNode.get("n4")) ? endOnNode.get("n2") : endOnNode.get("n4");
        assertEquals(blockHolds, Instant.parse(still.getString("estimatedStartAt")));
        // The other node of the first block frees: the block holds the gang.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + jobOnNode.get("n2") + "/cancel").then().statusCode(200);
        JsonPath started = until(t.admin(), oneBlock, state("RUNNING"));
        Set<String> nodes = new HashSet<>(started.getList("placement.node"));
        assertEquals(2, nodes.size());
        assertTrue(nodes.stream().allMatch(n -> n.endsWith("-n1") || n.endsWith("-n2")), "inside block 1: " + nodes);
        // A gang larger than every block can never run: it fails at once instead of waiting for ever.
        String tooWide = submitted(t.admin(), job(cluster, t.projectId(), "24", "ON_DEMAND", 3600)
                .replace("}", ",\"sameBlock\":true}"));
        JsonPath failed = until(t.admin(), tooWide, state("FAILED"));
        assertEquals("NEVER_FITS: NO_BLOCK_LARGE_ENOUGH", failed.getString("reason"));
        for (String id : List.of(oneBlock, jobOnNode.get("n4"))) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void cancelling_a_queued_or_running_job_and_again_is_safe_and_an_ended_one_is_409() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        JsonPath runningView = runningWholeNode(t, cluster);
        String running = runningView.getString("id");
        Instant startedAt = Instant.parse(runningView.getString("startedAt"));
        String queued = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        JsonPath waiting = until(t.admin(), queued, j -> "CAPACITY".equals(j.getString("reason")));
        assertEquals(1, waiting.getInt("queuePosition"));
        assertEquals(startedAt.plusSeconds(36000), Instant.parse(waiting.getString("estimatedStartAt")),
                "when the running job reaches its limit");
        // A quote sees the queue in the scheduler's order, as the job's own view will once it is submitted: a job of
        // the same cards for longer waits behind both (the running job's end, then the queued one's run), a shorter
        // one only for the running job's end.
        assertEquals(startedAt.plusSeconds(72000), quotedStart(t, cluster, 36001));
        assertEquals(startedAt.plusSeconds(36000), quotedStart(t, cluster, 600));
        // A later but shorter job goes ahead in the scheduler's order (smallest cards x maxRunSeconds first).
        String shorter = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 600));
        JsonPath ahead = until(t.admin(), shorter, j -> "CAPACITY".equals(j.getString("reason")));
        assertEquals(1, ahead.getInt("queuePosition"));
        assertEquals(startedAt.plusSeconds(36000), Instant.parse(ahead.getString("estimatedStartAt")));
        JsonPath behind = given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + queued).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(2, behind.getInt("queuePosition"));
        assertEquals(startedAt.plusSeconds(36600), Instant.parse(behind.getString("estimatedStartAt")));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + shorter + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + queued + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("reason", equalTo("CANCELLED_BY_TENANT"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("endedAt", notNullValue());
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
        given().auth().oauth2(t.viewer()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        String quick = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60));
        until(t.admin(), quick, state("SUCCEEDED"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + quick + "/cancel").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_CANCELLABLE"));
    }

    @Test
    void a_start_estimate_waits_for_a_node_with_the_cards_free_not_for_cards_free_across_nodes() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        // Six cards on each of the two nodes: four cards free in all, two on each.
        JsonPath longer = until(t.admin(), submitted(t.admin(), job(cluster, t.projectId(), "6", "ON_DEMAND", 36000)),
                state("RUNNING"));
        JsonPath shorter = until(t.admin(), submitted(t.admin(), job(cluster, t.projectId(), "6", "ON_DEMAND", 18000)),
                state("RUNNING"));
        assertNotEquals(longer.getString("placement[0].node"), shorter.getString("placement[0].node"));
        Instant shorterEnds = Instant.parse(shorter.getString("startedAt")).plusSeconds(18000);
        // Four cards on one node: once the shorter job has run to its limit (the pool of four free cards said now).
        String four = submitted(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 600));
        JsonPath waiting = until(t.admin(), four, j -> "CAPACITY".equals(j.getString("reason")));
        assertEquals(shorterEnds, Instant.parse(waiting.getString("estimatedStartAt")));
        assertEquals(shorterEnds, Instant.parse(given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":4,"
                        + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600}")
                .post("/api/v1/quotes").then().statusCode(201).extract().<String>path("earliestStartAt")));
        // Two cards fit a node now, beside the waiting job: a short one starts.
        until(t.admin(), submitted(t.admin(), job(cluster, t.projectId(), "2", "ON_DEMAND", 60)), state("RUNNING"));
        for (String id : List.of(four, longer.getString("id"), shorter.getString("id"))) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    /**
     * One node-by-node plan of the queue answers the views of every job in it: the last job's view plans the queue,
     * the views of the jobs ahead reuse that plan with the starts their own plans give, and a change to the queue on
     * this replica (a cancellation) is seen by the next view at once.
     */
    @Test
    void the_views_of_queued_jobs_share_one_plan_of_their_queue_until_the_queue_changes() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant frees = Instant.parse(runningWholeNode(t, cluster).getString("startedAt")).plusSeconds(36000);
        // Three whole-node jobs queue behind it, smallest area first: 600 s, then 1,200 s, then 1,800 s.
        List<String> queued = queuedWholeNodes(t, cluster, List.of(600, 1200, 1800));
        changeTheQueue(t, cluster);  // forgets whatever the polls above planned
        double planned = estimates("planned");
        double reused = estimates("reused");
        JsonPath last = view(t, queued.get(2));
        assertEquals(3, last.getInt("queuePosition"));
        assertEquals(frees.plusSeconds(600 + 1200), Instant.parse(last.getString("estimatedStartAt")));
        JsonPath first = view(t, queued.get(0));
        JsonPath second = view(t, queued.get(1));
        assertEquals(1, first.getInt("queuePosition"));
        assertEquals(frees, Instant.parse(first.getString("estimatedStartAt")));
        assertEquals(2, second.getInt("queuePosition"));
        assertEquals(frees.plusSeconds(600), Instant.parse(second.getString("estimatedStartAt")));
        assertEquals(1, estimates("planned") - planned, "one plan, by the last job's view");
        assertEquals(2, estimates("reused") - reused, "the two jobs ahead answered from it");
        // The first job leaves the queue: the second's view plans again and is first.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + queued.get(0) + "/cancel").then().statusCode(200);
        JsonPath after = view(t, queued.get(1));
        assertEquals(1, after.getInt("queuePosition"));
        assertEquals(frees, Instant.parse(after.getString("estimatedStartAt")));
        assertEquals(2, estimates("planned") - planned);
        for (String id : queued.subList(1, 3)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    /**
     * A page of the tenant's jobs gives each QUEUED one the position and start its own view gives, counting other
     * tenants' jobs ahead without showing them, from one plan of the queue (made for the job furthest back).
     */
    @Test
    void a_page_of_queued_jobs_gives_each_its_position_and_start_from_one_plan() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        JsonPath running = runningWholeNode(t, cluster);
        Instant frees = Instant.parse(running.getString("startedAt")).plusSeconds(36000);
        // Whole-node jobs queue smallest area first: t's 600 s, the other tenant's 900 s, t's 1,200 s and 1,800 s.
        String theirs = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 900));
        List<String> queued = queuedWholeNodes(t, cluster, List.of(1800, 600, 1200));
        changeTheQueue(t, cluster);
        double planned = estimates("planned");
        double reused = estimates("reused");
        JsonPath page = given().auth().oauth2(t.member()).get("/api/v1/jobs?clusterId=" + cluster + "&state=QUEUED")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(queued, page.getList("items.id"), "the tenant's queued jobs only, in the order submitted");
        assertEquals(List.of(4, 1, 3), page.getList("items.queuePosition"));
        assertEquals(List.of(frees.plusSeconds(600 + 900 + 1200), frees, frees.plusSeconds(600 + 900)),
                page.getList("items.estimatedStartAt", String.class).stream().map(Instant::parse).toList());
        assertEquals(1, estimates("planned") - planned, "one plan, for the job furthest back");
        assertEquals(2, estimates("reused") - reused, "the two ahead of it answered from it");
        for (int k = 0; k < queued.size(); k++) {
            JsonPath alone = view(t, queued.get(k));
            assertEquals(page.getLong("items[" + k + "].queuePosition"), alone.getLong("queuePosition"));
            assertEquals(page.getString("items[" + k + "].estimatedStartAt"), alone.getString("estimatedStartAt"));
        }
        // A running job has neither; the other tenant sees its own job second in the queue.
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?clusterId=" + cluster + "&state=RUNNING").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(running.getString("id")))
                .body("items[0].queuePosition", org.hamcrest.Matchers.nullValue())
                .body("items[0].estimatedStartAt", org.hamcrest.Matchers.nullValue());
        given().auth().oauth2(other.admin()).get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(theirs)).body("items[0].queuePosition", equalTo(2));
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + theirs + "/cancel").then().statusCode(200);
        for (String id : queued) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + running.getString("id") + "/cancel").then()
                .statusCode(200);
    }

    /**
     * The cluster's operator sees its demand and use per model across tenants (counts only): what runs, what waits,
     * why, and the drain time; a tenant may not read it.
     */
    @Test
    void an_operator_sees_the_clusters_queue_per_model_and_class_and_why_jobs_wait() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"limit\":8}]}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        // Running: t's 8 cards on one node, the other tenant's 4 on the other; 4 cards stay free.
        JsonPath whole = runningWholeNode(t, cluster);
        String half = submitted(other.admin(), job(cluster, other.projectId(), "4", "ON_DEMAND", 36000));
        until(other.admin(), half, state("RUNNING"));
        // Queued: t's 4 cards would fit, its quota holds them back; 8 more cards, on demand and spot, fit nowhere.
        String held = submitted(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        JsonPath first = until(t.admin(), held, j -> "QUOTA".equals(j.getString("reason")));
        String wide = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 1800));
        String spot = submitted(other.admin(), job(cluster, other.projectId(), "8", "SPOT", 600));
        until(other.admin(), wide, j -> "CAPACITY".equals(j.getString("reason")));
        until(other.admin(), spot, j -> "CAPACITY".equals(j.getString("reason")));
        until(t.admin(), held, j -> "QUOTA".equals(j.getString("reason")));
        JsonPath q = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/queue").then()
                .statusCode(200).body("clusterId", equalTo(cluster)).extract().jsonPath();
        assertEquals(List.of("ASCEND-910B"), q.getList("models.model"));
        assertEquals(16, q.getInt("models[0].cardsInService"));
        assertEquals(2, q.getInt("models[0].runningJobs"));
        assertEquals(12, q.getInt("models[0].cardsInUse"));
        assertEquals(3, q.getInt("models[0].queuedJobs"));
        assertEquals(20, q.getInt("models[0].queuedCards"));
        // 4 x 3,600 + 8 x 1,800 + 8 x 600 = 33,600 card-seconds: 9.33 card-hours, 2,100 s on 16 cards.
        assertEquals(9.33, q.getDouble("models[0].queuedCardHours"), 1e-9);
        assertEquals(2100, q.getLong("models[0].drainSeconds"));
        assertEquals(Map.of("CAPACITY", 2, "QUOTA", 1), q.getMap("models[0].queuedByReason"));
        assertEquals(Instant.parse(first.getString("createdAt")),
                Instant.parse(q.getString("models[0].oldestQueuedAt")));
        assertEquals(List.of("ON_DEMAND", "SPOT"), q.getList("models[0].classes.class"));
        assertEquals(List.of(2, 0), q.getList("models[0].classes.runningJobs"));
        assertEquals(List.of(12, 0), q.getList("models[0].classes.cardsInUse"));
        assertEquals(List.of(2, 1), q.getList("models[0].classes.queuedJobs"));
        assertEquals(List.of(12, 8), q.getList("models[0].classes.queuedCards"));
        assertEquals(0, q.getInt("models[0].heldJobs"));
        // A job its tenant holds leaves the queued figures for the held ones.
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + spot + "/hold").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/queue").then().statusCode(200)
                .body("models[0].queuedJobs", equalTo(2)).body("models[0].queuedCards", equalTo(12))
                .body("models[0].heldJobs", equalTo(1)).body("models[0].heldCards", equalTo(8))
                .body("models[0].queuedByReason", equalTo(Map.of("CAPACITY", 1, "QUOTA", 1)));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster + "/queue").then().statusCode(200);
        given().auth().oauth2(t.admin()).get("/api/v1/clusters/" + cluster + "/queue").then().statusCode(403);
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + UUID.randomUUID() + "/queue").then()
                .statusCode(404).body("code", equalTo("CLUSTER_NOT_FOUND"));
        for (String id : List.of(wide, spot, half)) {
            given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
        for (String id : List.of(held, whole.getString("id"))) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/queue").then().statusCode(200)
                .body("models[0].queuedJobs", equalTo(0)).body("models[0].runningJobs", equalTo(0))
                .body("models[0].oldestQueuedAt", nullValue()).body("models[0].drainSeconds", equalTo(0))
                .body("models[0].heldJobs", equalTo(0)).body("models[0].classes", hasSize(0));
    }

    /**
     * A job carries its tenant's tags: shown in its view and the list, matched by the list's tag filter; tags that
     * break the rules are refused with the tag named, and nothing is queued.
     */
    @Test
    void a_job_carries_its_tags_and_the_list_finds_jobs_by_them() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String vision = submit(t.admin(), job(cluster, t.projectId(), "1", "SPOT", 36000).replace("}",
                ",\"tags\":{\"team\":\"vision\",\"experiment\":\"llama-ft-3\",\"note\":\"\"}}")).then()
                .statusCode(201).body("tags.team", equalTo("vision")).body("tags.experiment", equalTo("llama-ft-3"))
                .body("tags.note", equalTo("")).extract().path("id");
        String nlp = submitted(t.admin(), job(cluster, t.projectId(), "1", "SPOT", 36000).replace("}",
                ",\"tags\":{\"team\":\"nlp\"}}"));
        String bare = submitted(t.admin(), job(cluster, t.projectId(), "1", "SPOT", 36000));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + bare).then().statusCode(200)
                .body("tags", equalTo(Map.of()));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + vision).then().statusCode(200)
                .body("tags", equalTo(Map.of("team", "vision", "experiment", "llama-ft-3", "note", "")));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?tag=team=vision").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(vision));
        given().auth().oauth2(t.member()).queryParam("tag", "team=vision").queryParam("tag", "note=")
                .get("/api/v1/jobs").then().statusCode(200).body("items.id", org.hamcrest.Matchers.contains(vision));
        given().auth().oauth2(t.member()).queryParam("tag", "team=vision").queryParam("tag", "experiment=other")
                .get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(0));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?tag=team=nlp").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(nlp)).body("items[0].tags.team", equalTo("nlp"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?tag=team").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("tag"));
        // Another tenant's filter finds none of these.
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.admin()).get("/api/v1/jobs?tag=team=vision").then().statusCode(200)
                .body("items", hasSize(0));
        // Refused, the tag named: a key Myriad keeps for itself, a malformed key, a long value, too many tags.
        String base = job(cluster, t.projectId(), "1", "SPOT", 60);
        submit(t.admin(), base.replace("}", ",\"tags\":{\"myriad/project\":\"x\",\"ok\":\"y\"}}")).then()
                .statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", org.hamcrest.Matchers.contains("tags.myriad/project"));
        submit(t.admin(), base.replace("}", ",\"tags\":{\"-team\":\"x\"}}")).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("tags.-team"));
        submit(t.admin(), base.replace("}", ",\"tags\":{\"team\":\"" + "v".repeat(257) + "\"}}")).then()
                .statusCode(400).body("errors.field", org.hamcrest.Matchers.contains("tags.team"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 21; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        submit(t.admin(), base.replace("}", ",\"tags\":{" + many + "}}")).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("tags"));
        for (String wrong : List.of("\"vision\"", "{\"team\":{\"lead\":\"x\"}}", "{\"team\":[\"x\"]}",
                "{\"team\":null}")) {
            submit(t.admin(), base.replace("}", ",\"tags\":" + wrong + "}")).then().statusCode(400)
                    .body("errors[0].field", org.hamcrest.Matchers.startsWith("tags"));
        }
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(3));
        for (String id : List.of(vision, nlp, bare)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    /**
     * The list finds a member's own jobs ({@code submittedBy}), the jobs submitted in an interval ({@code from}
     * inclusive, {@code to} exclusive) and pages newest first with {@code order=newest}; wrong filters are 400 naming
     * the parameter, and a cursor works only in the order it was issued for.
     */
    @Test
    void the_list_finds_a_members_own_jobs_those_of_an_interval_and_pages_newest_first() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String base = job(cluster, t.projectId(), "1", "SPOT", 36000);
        String first = submitted(t.admin(), base);
        String second = submitted(t.member(), base);
        String third = submitted(t.member(), base);
        Instant secondAt = Instant.parse(given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + second).then()
                .statusCode(200).extract().path("createdAt"));
        Instant thirdAt = Instant.parse(given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + third).then()
                .statusCode(200).extract().path("createdAt"));
        String member = t.slug() + "-member";

        given().auth().oauth2(t.admin()).queryParam("submittedBy", member).get("/api/v1/jobs").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(second, third))
                .body("items.submittedBy", org.hamcrest.Matchers.everyItem(equalTo(member)));
        given().auth().oauth2(t.admin()).queryParam("submittedBy", "nobody").get("/api/v1/jobs").then()
                .statusCode(200).body("items", hasSize(0));
        given().auth().oauth2(t.admin()).queryParam("from", secondAt.toString()).queryParam("to", thirdAt.toString())
                .get("/api/v1/jobs").then().statusCode(200).body("items.id", org.hamcrest.Matchers.contains(second));
        given().auth().oauth2(t.admin()).queryParam("from", secondAt.toString()).get("/api/v1/jobs").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(second, third));
        given().auth().oauth2(t.admin()).queryParam("to", secondAt.toString()).get("/api/v1/jobs").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(first));
        given().auth().oauth2(t.admin()).queryParam("order", "newest").get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(third, second, first));
        given().auth().oauth2(t.admin()).queryParam("order", "newest").queryParam("submittedBy", member)
                .get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(third, second));

        // Newest first, a page at a time: each job once, none skipped; the cursor is bound to its order.
        JsonPath page1 = given().auth().oauth2(t.admin()).queryParam("order", "newest").queryParam("limit", 2)
                .get("/api/v1/jobs").then().statusCode(200).body("items.id",
                        org.hamcrest.Matchers.contains(third, second)).extract().jsonPath();
        String cursor = page1.getString("nextCursor");
        given().auth().oauth2(t.admin()).queryParam("order", "newest").queryParam("limit", 2)
                .queryParam("cursor", cursor).get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(first)).body("nextCursor", nullValue());
        given().auth().oauth2(t.admin()).queryParam("limit", 2).queryParam("cursor", cursor).get("/api/v1/jobs")
                .then().statusCode(400).body("code", equalTo("INVALID_CURSOR"));

        // Another tenant's member of the same name pattern sees none of these.
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.admin()).queryParam("submittedBy", member).get("/api/v1/jobs").then()
                .statusCode(200).body("items", hasSize(0));

        for (String[] wrong : List.of(new String[] {"order", "latest"}, new String[] {"from", "yesterday"},
                new String[] {"to", "2026-13-01T00:00:00Z"}, new String[] {"submittedBy", "u".repeat(256)})) {
            given().auth().oauth2(t.admin()).queryParam(wrong[0], wrong[1]).get("/api/v1/jobs").then()
                    .statusCode(400).contentType("application/problem+json").body("code", equalTo("VALIDATION_FAILED"))
                    .body("errors[0].field", equalTo(wrong[0]));
        }
        given().auth().oauth2(t.admin()).queryParam("from", thirdAt.toString()).queryParam("to", secondAt.toString())
                .get("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("to"));
        for (String id : List.of(first, second, third)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    /**
     * A job may carry the tenant's name for it: shown in its view and the list, found by the list's name filter (two
     * jobs may share one); a blank or over-long name is refused with the field named, and nothing is queued.
     */
    @Test
    void a_job_carries_its_name_and_the_list_finds_the_jobs_of_a_name() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String base = job(cluster, t.projectId(), "1", "SPOT", 36000);
        String name = "llama-ft-3 nightly \u591c";  // any text, a CJK character included
        String first = submit(t.admin(), base.replace("}", ",\"name\":\"" + name + "\"}")).then().statusCode(201)
                .body("name", equalTo(name)).extract().path("id");
        String second = submitted(t.member(), base.replace("}", ",\"name\":\"" + name + "\"}"));
        String unnamed = submitted(t.member(), base);
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + first).then().statusCode(200)
                .body("name", equalTo(name));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + unnamed).then().statusCode(200)
                .body("name", nullValue());
        given().auth().oauth2(t.member()).queryParam("name", name).get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(first, second))
                .body("items.name", org.hamcrest.Matchers.everyItem(equalTo(name)));
        given().auth().oauth2(t.member()).queryParam("name", "llama-ft-3").get("/api/v1/jobs").then().statusCode(200)
                .body("items", hasSize(0));
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.admin()).queryParam("name", name).get("/api/v1/jobs").then().statusCode(200)
                .body("items", hasSize(0));
        for (String wrong : List.of("\"   \"", "\"" + "n".repeat(129) + "\"", "42", "\"a\\u0007b\"")) {
            submit(t.admin(), base.replace("}", ",\"name\":" + wrong + "}")).then().statusCode(400)
                    .contentType("application/problem+json").body("errors[0].field", equalTo("name"));
        }
        given().auth().oauth2(t.member()).queryParam("name", " ").get("/api/v1/jobs").then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(3));
        for (String id : List.of(first, second, unnamed)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    /**
     * cancelJobs ends every live job its selector keeps and nothing else: by name, by state (a running job stopped),
     * never another tenant's; a repeat ends nothing more; an empty or wrong selector is 400 and ends nothing.
     */
    @Test
    void cancel_jobs_ends_the_live_jobs_a_selector_keeps_and_no_other() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        String base = job(cluster, t.projectId(), "1", "SPOT", 36000);
        String sweep = base.replace("}", ",\"name\":\"sweep\"}");
        List<String> swept = List.of(submitted(t.member(), sweep), submitted(t.admin(), sweep),
                submitted(t.member(), sweep));
        String kept = submitted(t.member(), base.replace("}", ",\"name\":\"keep\"}"));
        String othersSweep = submitted(other.member(), job(cluster, other.projectId(), "1", "SPOT", 36000)
                .replace("}", ",\"name\":\"sweep\"}"));
        for (String id : swept) {
            until(t.admin(), id, state("RUNNING"));
        }

        // Only QUEUED: the running sweep jobs are left alone.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"sweep\","
                + "\"state\":\"QUEUED\"}").post("/api/v1/job-cancellations").then().statusCode(200)
                .body("cancelled", equalTo(0)).body("more", equalTo(false));
        JsonPath done = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"name\":\"sweep\"}").post("/api/v1/job-cancellations").then().statusCode(200)
                .body("cancelled", equalTo(3)).body("more", equalTo(false)).extract().jsonPath();
        assertEquals(swept, done.getList("jobIds"), "oldest first");
        for (String id : swept) {
            given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + id).then().statusCode(200)
                    .body("state", equalTo("CANCELLED")).body("reason", equalTo("CANCELLED_BY_TENANT"))
                    .body("endedAt", notNullValue());
        }
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + kept).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
        given().auth().oauth2(other.admin()).get("/api/v1/jobs/" + othersSweep).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
        // A repeat ends nothing more; each job ended is one audit event.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"sweep\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(0));
        given().auth().oauth2(t.admin()).queryParam("action", "cancelJobs").get("/api/v1/tenants/" + t.id()
                + "/audit-events").then().statusCode(200).body("items", hasSize(3))
                .body("items.target.id", org.hamcrest.Matchers.containsInAnyOrder(swept.toArray()));

        // Bad selectors: 400 naming the field, nothing ended.
        for (String[] wrong : List.of(new String[] {"{}", "selector"}, new String[] {"{\"state\":\"SUCCEEDED\"}",
                "state"}, new String[] {"{\"name\":\"  \"}", "name"}, new String[] {"{\"from\":"
                        + "\"2026-12-02T00:00:00Z\",\"to\":\"2026-12-01T00:00:00Z\"}", "to"})) {
            given().auth().oauth2(t.member()).contentType("application/json").body(wrong[0])
                    .post("/api/v1/job-cancellations").then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo(wrong[1]));
        }
        given().auth().oauth2(t.viewer()).contentType("application/json").body("{\"name\":\"keep\"}")
                .post("/api/v1/job-cancellations").then().statusCode(403);
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + kept).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
        // A portal's selection: only the ids named, never another tenant's; an empty selection cancels nothing.
        String picked = submitted(t.member(), base);
        String notPicked = submitted(t.member(), base);
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"jobIds\":[\"" + picked + "\",\""
                + othersSweep + "\",\"" + UUID.randomUUID() + "\"]}").post("/api/v1/job-cancellations").then()
                .statusCode(200).body("cancelled", equalTo(1)).body("jobIds", org.hamcrest.Matchers.contains(picked));
        given().auth().oauth2(other.admin()).get("/api/v1/jobs/" + othersSweep).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"jobIds\":[]}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(0));
        StringBuilder tooMany = new StringBuilder();
        for (int i = 0; i < 501; i++) {
            tooMany.append(i == 0 ? "\"" : ",\"").append(UUID.randomUUID()).append('"');
        }
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"jobIds\":[" + tooMany + "]}")
                .post("/api/v1/job-cancellations").then().statusCode(400).body("errors[0].field", equalTo("jobIds"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + notPicked).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + notPicked + "/cancel").then().statusCode(200);

        given().auth().oauth2(t.admin()).contentType("application/json").body("{\"name\":\"keep\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("jobIds",
                        org.hamcrest.Matchers.contains(kept));
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + othersSweep + "/cancel").then().statusCode(200);
    }

    /** A selector keeping more jobs than one call ends: 500 ended and {@code more}, then the rest. */
    @Test
    void hold_jobs_and_release_jobs_change_the_jobs_a_selector_keeps_and_no_other() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        runningWholeNode(t, cluster);
        String base = job(cluster, t.projectId(), "8", "ON_DEMAND", 36000);
        String sweep = base.replace("}", ",\"name\":\"sweep\"}");
        List<String> swept = List.of(submitted(t.member(), sweep), submitted(t.admin(), sweep),
                submitted(t.member(), sweep));
        String kept = submitted(t.member(), base.replace("}", ",\"name\":\"keep\"}"));
        String othersSweep = submitted(other.member(), job(cluster, other.projectId(), "8", "ON_DEMAND", 36000)
                .replace("}", ",\"name\":\"sweep\"}"));

        // Bad selectors: 400 naming the field, nothing held; a billing viewer may not.
        given().auth().oauth2(t.member()).contentType("application/json").body("{}").post("/api/v1/job-holds").then()
                .statusCode(400).body("errors[0].field", equalTo("selector"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"\"}")
                .post("/api/v1/job-holds").then().statusCode(400).body("errors[0].field", equalTo("name"));
        given().auth().oauth2(t.viewer()).contentType("application/json").body("{\"name\":\"sweep\"}")
                .post("/api/v1/job-holds").then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?state=HELD").then().statusCode(200)
                .body("items", hasSize(0));

        JsonPath held = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"name\":\"sweep\"}").post("/api/v1/job-holds").then().statusCode(200)
                .body("changed", equalTo(3)).body("more", equalTo(false)).extract().jsonPath();
        assertEquals(swept, held.getList("jobIds"), "oldest first; the running job is not QUEUED");
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?state=HELD").then().statusCode(200)
                .body("items.id", equalTo(swept));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + kept).then().body("state", equalTo("QUEUED"));
        given().auth().oauth2(other.admin()).get("/api/v1/jobs/" + othersSweep).then().body("state", equalTo("QUEUED"));
        // A repeat holds nothing more; each job held is one audit event.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"sweep\"}")
                .post("/api/v1/job-holds").then().statusCode(200).body("changed", equalTo(0));
        given().auth().oauth2(t.admin()).queryParam("action", "holdJobs").get("/api/v1/tenants/" + t.id()
                + "/audit-events").then().statusCode(200).body("items", hasSize(3));

        // A selection of ids releases only the tenant's own held jobs among them.
        given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"jobIds\":[\"" + swept.get(0) + "\",\"" + othersSweep + "\",\"" + kept + "\"]}")
                .post("/api/v1/job-releases").then().statusCode(200).body("changed", equalTo(1))
                .body("jobIds", equalTo(List.of(swept.get(0))));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + swept.get(0)).then().body("state", equalTo("QUEUED"))
                .body("history.reason", equalTo(List.of("SUBMITTED", "HELD_BY_TENANT", "RELEASED")));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"sweep\"}")
                .post("/api/v1/job-releases").then().statusCode(200).body("changed", equalTo(2))
                .body("jobIds", equalTo(swept.subList(1, 3)));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?state=HELD").then().statusCode(200)
                .body("items", hasSize(0));

        for (World.Tenant each : List.of(t, other)) {
            given().auth().oauth2(each.admin()).contentType("application/json")
                    .body("{\"clusterId\":\"" + cluster + "\"}").post("/api/v1/job-cancellations").then()
                    .statusCode(200);
        }
    }

    @Test
    void cancel_jobs_ends_500_a_call_and_says_when_more_are_left() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String body = job(cluster, t.projectId(), "1", "SPOT", 36000).replace("}", ",\"name\":\"flood\"}");
        // 503 jobs of the name: 500 of an array (one request rather than 500) and three submitted alone.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"size\":500,\"job\":" + body + "}")
                .post("/api/v1/job-arrays").then().statusCode(201).body("size", equalTo(500));
        for (int i = 0; i < 3; i++) {
            submitted(t.member(), body);
        }
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"flood\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(500))
                .body("jobIds", hasSize(500)).body("more", equalTo(true));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"name\":\"flood\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(3))
                .body("more", equalTo(false));
        given().auth().oauth2(t.member()).queryParam("name", "flood").queryParam("state", "CANCELLED")
                .queryParam("limit", 500).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(500))
                .body("nextCursor", notNullValue());
    }

    /** Quotes reuse what the running jobs hold only until the cluster changes: a job that started is seen at once. */
    @Test
    void a_quote_sees_a_job_that_started_since_the_last_quote() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant before = Instant.now();
        Instant free = Instant.parse(quoteStart(t, cluster));
        assertTrue(free.isBefore(before.plusSeconds(60)), "an idle node: now, " + free);
        JsonPath running = runningWholeNode(t, cluster);
        Instant frees = Instant.parse(running.getString("startedAt")).plusSeconds(36000);
        assertEquals(frees, Instant.parse(quoteStart(t, cluster)), "once the whole-node job ends");
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + running.getString("id") + "/cancel").then()
                .statusCode(200);
    }

    private static String quoteStart(World.Tenant t, String cluster) {
        return given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":8,"
                        + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600}")
                .post("/api/v1/quotes").then().statusCode(201).extract().path("earliestStartAt");
    }

    /** Whole-node jobs of these run times, submitted in this order, each seen waiting for CAPACITY. */
    private static List<String> queuedWholeNodes(World.Tenant t, String cluster, List<Integer> runSeconds) {
        List<String> queued = runSeconds.stream()
                .map(s -> submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", s))).toList();
        for (String id : queued) {
            until(t.admin(), id, j -> "CAPACITY".equals(j.getString("reason")));
        }
        return queued;
    }

    /** A submission and its cancellation: a change to the cluster's queue, which forgets the plans made before. */
    private static void changeTheQueue(World.Tenant t, String cluster) {
        String extra = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + extra + "/cancel").then().statusCode(200);
    }

    private static JsonPath view(World.Tenant t, String job) {
        return given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + job).then().statusCode(200)
                .body("state", equalTo("QUEUED")).extract().jsonPath();
    }

    private double estimates(String how) {
        return meters.counter("myriad.jobs.start.estimates", "how", how).count();
    }

    @Test
    void quotas_refuse_what_can_never_fit_and_hold_back_what_does_not_fit_now() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"limit\":8}]}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        submit(t.admin(), job(cluster, t.projectId(), "9", "ON_DEMAND", 60)).then().statusCode(422)
                .body("code", equalTo("QUOTA_EXCEEDED"));
        String first = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        until(t.admin(), first, state("RUNNING"));
        String second = submitted(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 36000));
        JsonPath held = until(t.admin(), second, j -> "QUOTA".equals(j.getString("reason")));
        assertEquals("QUEUED", held.getString("state"));
        // Eight cards are idle, yet it is estimated to start when the quota has room: the running job's declared end;
        // and a job of 8 behind it (in the core's order: larger) when the quota next has 8: the second's end after it.
        Instant firstEnds = Instant.parse(given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + first).then()
                .extract().<String>path("startedAt")).plusSeconds(36000);
        assertEquals(firstEnds, Instant.parse(held.getString("estimatedStartAt")));
        // A quote for such a job says the same (the tenant's limit: a quote names no project).
        assertEquals(firstEnds, Instant.parse(given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":4,"
                        + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":36000}")
                .post("/api/v1/quotes").then().statusCode(201).extract().<String>path("earliestStartAt")));
        String third = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        JsonPath behind = until(t.admin(), third, j -> "QUOTA".equals(j.getString("reason")));
        assertEquals(2, behind.getInt("queuePosition"));
        assertEquals(firstEnds.plusSeconds(36000), Instant.parse(behind.getString("estimatedStartAt")));
        // The jobs a quota holds back, listed by their reason; by model; a reason that is no code is 400.
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?state=QUEUED&reason=QUOTA").then().statusCode(200)
                .body("items.id", equalTo(List.of(second, third)));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?reason=SCHEDULED&model=ASCEND-910B").then()
                .statusCode(200).body("items.id", equalTo(List.of(first)));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?model=H100").then().statusCode(200)
                .body("items.size()", equalTo(0));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?reason=quota").then().statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        // Spot work may borrow idle cards beyond the class-less limit: it runs, marked borrowed.
        String borrowed = submitted(t.admin(), job(cluster, t.projectId(), "4", "SPOT", 36000));
        JsonPath b = until(t.admin(), borrowed, state("RUNNING"));
        assertTrue(b.getBoolean("borrowed"));
        // The limit and its use: the 8 running, nothing free, 12 cards queued (both held by the quota), 4 borrowed.
        JsonPath use = given().auth().oauth2(t.member()).get("/api/v1/tenants/" + t.id() + "/quotas/use").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, use.getList("cards").size());
        assertEquals(8, use.getInt("cards[0].limit"));
        assertEquals(8, use.getInt("cards[0].inUse"));
        assertEquals(0, use.getInt("cards[0].free"));
        assertEquals(12, use.getInt("cards[0].queued"));
        assertEquals(2, use.getInt("cards[0].waitingForQuota"));
        assertEquals(4, use.getInt("cards[0].borrowed"));
        assertEquals(null, use.getString("cards[0].class"));
        given().auth().oauth2(t.member()).get("/api/v1/tenants/" + t.id() + "/projects/" + t.projectId()
                + "/quotas/use").then().statusCode(200).body("cards", equalTo(List.of()))
                .body("projectId", equalTo(t.projectId()));
        given().auth().oauth2(World.tenant().admin()).get("/api/v1/tenants/" + t.id() + "/quotas/use").then()
                .statusCode(404).body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);
        until(t.admin(), second, state("RUNNING"));
        for (String id : List.of(second, borrowed, third)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_quote_naming_the_jobs_project_counts_its_card_limits() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"limit\":2}]}")
                .put("/api/v1/tenants/" + t.id() + "/projects/" + t.projectId() + "/quotas").then().statusCode(200);
        String running = submitted(t.admin(), job(cluster, t.projectId(), "2", "ON_DEMAND", 3600));
        Instant ends = Instant.parse(until(t.admin(), running, state("RUNNING")).getString("startedAt"))
                .plusSeconds(3600);
        String quote = "{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,"
                + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600";
        // In the project, whose 2 cards run: when they end. Without a project: the tenant has no limit, so now.
        JsonPath inProject = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote + ",\"projectId\":\"" + t.projectId() + "\"}").post("/api/v1/quotes").then()
                .statusCode(201).body("projectId", equalTo(t.projectId())).extract().jsonPath();
        assertEquals(ends, Instant.parse(inProject.getString("earliestStartAt")));
        JsonPath anywhere = given().auth().oauth2(t.admin()).contentType("application/json").body(quote + "}")
                .post("/api/v1/quotes").then().statusCode(201).body("projectId", equalTo(null)).extract().jsonPath();
        assertTrue(Instant.parse(anywhere.getString("earliestStartAt")).isBefore(ends.minusSeconds(3000)));
        // Another tenant's project is not found; a reservation's quote takes none.
        World.Tenant other = World.tenant();
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote + ",\"projectId\":\"" + other.projectId() + "\"}").post("/api/v1/quotes").then()
                .statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"RESERVED\","
                        + "\"startAt\":\"" + Instant.now().plusSeconds(86_400) + "\",\"endAt\":\""
                        + Instant.now().plusSeconds(90_000) + "\",\"projectId\":\"" + t.projectId() + "\"}")
                .post("/api/v1/quotes").then().statusCode(400).body("errors[0].field", equalTo("projectId"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + running + "/cancel").then().statusCode(200);
    }

    @Test
    void a_budget_refuses_a_job_whose_projected_cost_would_pass_it() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"},"
                        + "\"gpuHours\":{\"limit\":100,\"period\":\"MONTH\"}}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        // 8 cards x 1 h x 12.00 = 96.00 CNY: within the 100.00 budget.
        String first = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600));
        // Another 4 cards x 1 h = 48.00 would take the committed 96.00 past it.
        submit(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600)).then().statusCode(422)
                .body("code", equalTo("BUDGET_EXCEEDED"));
        // The budget's status says why, and what still fits: 4.00, of which a job of 1 card x 60 s (0.20) takes part.
        String status = "/api/v1/tenants/" + t.id() + "/budget";
        given().auth().oauth2(t.member()).get(status).then().statusCode(200)
                .body("budget.amountMinor", equalTo(10000)).body("jobs.amountMinor", equalTo(9600))
                .body("committed.amountMinor", equalTo(9600)).body("remaining.amountMinor", equalTo(400))
                .body("committedPercent", equalTo(96.0f)).body("period", equalTo(java.time.YearMonth.now(
                        java.time.ZoneOffset.UTC).toString()))
                // 8 cards x 1 h of the 100 GPU-hours, as the GPU-hour check counts them.
                .body("gpuHours.limit", equalTo(100)).body("gpuHours.jobs", equalTo(8.0f))
                .body("gpuHours.committed", equalTo(8.0f)).body("gpuHours.remaining", equalTo(92.0f));
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60)).then().statusCode(201);
        given().auth().oauth2(t.member()).get(status).then().statusCode(200)
                .body("jobs.amountMinor", equalTo(9620)).body("remaining.amountMinor", equalTo(380));
        // The project has no budget of its own: no figures, only its policy. Another tenant's: not found.
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/projects/" + t.projectId() + "/budget")
                .then().statusCode(200).body("budget", nullValue()).body("committed", nullValue())
                .body("gpuHours", nullValue())
                .body("onBudgetExhausted", equalTo("FINISH"));
        given().auth().oauth2(Tokens.bob()).get(status).then().statusCode(404).body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);
        // A cancelled job commits nothing more: at most the small one's 0.20 is left of the jobs (none once it ends).
        given().auth().oauth2(t.member()).get(status).then().statusCode(200)
                .body("jobs.amountMinor", org.hamcrest.Matchers.lessThanOrEqualTo(20));
    }

    /**
     * A retried submission with its Idempotency-Key answers the first job and queues nothing more, with a budget
     * (ORM transaction, advisory lock) and without (the key's record); a key reused for another job is 409.
     */
    @Test
    void a_retried_submission_with_its_key_is_one_job_and_is_charged_once() {
        String cluster = World.cluster(1);
        for (boolean budget : new boolean[] {false, true}) {
            World.Tenant t = World.tenant();
            if (budget) {
                given().auth().oauth2(Tokens.admin()).contentType("application/json")
                        .body("{\"cards\":[],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                        .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
            }
            String body = job(cluster, t.projectId(), "8", "ON_DEMAND", 3600);
            String key = "retry-" + UUID.randomUUID();
            String first = given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                    .body(body).post("/api/v1/jobs").then().statusCode(201).header("Idempotent-Replayed", "false")
                    .extract().path("id");
            // 8 cards x 1 h = 96.00 CNY of a 100.00 budget: a second job would be refused, a replay is not one.
            given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                    .body(body).post("/api/v1/jobs").then().statusCode(201).header("Idempotent-Replayed", "true")
                    .body("id", equalTo(first));
            given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                    .body(job(cluster, t.projectId(), "1", "ON_DEMAND", 60)).post("/api/v1/jobs").then()
                    .statusCode(409).body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
            given().auth().oauth2(t.admin()).get("/api/v1/jobs?projectId=" + t.projectId()).then().statusCode(200)
                    .body("items.id", org.hamcrest.Matchers.contains(first));
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);
        }
    }

    /** A project of no tenant, or of the caller's tenant that does not exist, is 404 on every path to the insert. */
    @Test
    void a_job_for_an_unknown_project_is_404_and_nothing_is_queued() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String unknown = UUID.randomUUID().toString();
        submit(t.admin(), job(cluster, unknown, "1", "ON_DEMAND", 60)).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).header("Idempotency-Key", "k-" + unknown).contentType("application/json")
                .body(job(cluster, unknown, "1", "ON_DEMAND", 60)).post("/api/v1/jobs").then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(0));
        // Listing by a project the tenant does not have (unknown, or another tenant's) is 404 too, not an empty page.
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?projectId=" + unknown).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(t.admin()).get("/api/v1/jobs?projectId=" + World.tenant().projectId()).then()
                .statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));
    }

    /**
     * On the plain path the insert is sent with the project read, before its answer: a suspended tenant's job is
     * refused by that answer, and the insert is rolled back with the transaction.
     */
    @Test
    void a_suspended_tenants_job_is_refused_and_nothing_is_queued() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        platformSql("update tenants set status = 'SUSPENDED' where id = $1", UUID.fromString(t.id()));
        try {
            submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60)).then().statusCode(403)
                    .body("code", equalTo("TENANT_SUSPENDED"));
            given().auth().oauth2(t.admin()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(0));
            assertEquals(0L, platformCount("select count(*) from jobs where tenant_id = $1", UUID.fromString(t.id())));
            assertEquals(0L, platformCount("select count(*) from scheduler_inbox where cluster_id = $1 and job_id in"
                    + " (select id from jobs where tenant_id = $2)", UUID.fromString(cluster), UUID.fromString(t.id())));
        } finally {
            platformSql("update tenants set status = 'ACTIVE' where id = $1", UUID.fromString(t.id()));
        }
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60)).then().statusCode(201);
    }

    /**
     * Moves a job's submission back in time, as no use case does (it stands in for hours of waiting): the plans made
     * on its cluster's queue are forgotten as a use case's change would forget them.
     */
    /**
     * A cycle that fails again after every rebuild (here the database refuses every start on the cluster) is counted
     * (myriad_scheduler_cycle_failures_total), the loop waits longer between tries, and once the cause is gone the
     * next try schedules the job.
     */
    @Test
    void a_loop_whose_cycles_keep_failing_counts_them_backs_off_and_recovers_once_the_cause_is_gone() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String refuse = "test_refuse_starts_" + cluster.replace("-", "_");
        platformSql("create function " + refuse + "() returns trigger language plpgsql as $$ begin "
                + "if new.state = 'RUNNING' and new.cluster_id = '" + cluster + "' then "
                + "raise exception 'the test refuses this start'; end if; return new; end $$");
        platformSql("create trigger " + refuse + " before update on jobs for each row execute function " + refuse
                + "()");
        String job;
        try {
            job = submitted(t.member(), job(cluster, t.projectId(), "1", "SPOT", 600));
            Instant deadline = Instant.now().plusSeconds(30);
            while (failures(cluster) < 2 && Instant.now().isBefore(deadline)) {
                sleep(100);
            }
            assertTrue(failures(cluster) >= 2, "the refused starts were counted");
            given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().body("state", equalTo("QUEUED"));
        } finally {
            platformSql("drop trigger " + refuse + " on jobs");
            platformSql("drop function " + refuse + "()");
        }
        until(t.member(), job, state("RUNNING"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
    }

    private double failures(String cluster) {
        io.micrometer.core.instrument.Counter c = meters.find("myriad.scheduler.cycle.failures")
                .tag("cluster", cluster).counter();
        return c == null ? 0 : c.count();
    }

    private void backdate(String cluster, String job, Instant created) {
        platformSql("update jobs set created_at = $1, eligible_at = $1 where id = $2",
                java.time.OffsetDateTime.ofInstant(created, java.time.ZoneOffset.UTC), UUID.fromString(job));
        plans.changed(UUID.fromString(cluster));
    }

    private void platformSql(String sql, Object... args) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args)))).await().indefinitely();
    }

    private long platformCount(String sql, Object... args) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args))))
                .map(rows -> rows.iterator().next().getLong(0)).await().indefinitely();
    }

    @Test
    void a_reserved_job_whose_reservation_is_cancelled_before_it_begins_fails_instead_of_waiting_for_ever() {
        String cluster = World.cluster(1);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        String job = submitted(owner.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"reservationId\":\"" + reservation
                + "\",\"maxRunSeconds\":3600}");
        until(owner.admin(), job, j -> "RESERVATION_NOT_STARTED".equals(j.getString("reason")));
        given().auth().oauth2(owner.admin()).post("/api/v1/reservations/" + reservation + "/cancel").then()
                .statusCode(200).body("state", equalTo("CANCELLED"));
        JsonPath failed = until(owner.admin(), job, state("FAILED"));
        assertEquals("RESERVATION_ENDED", failed.getString("reason"));
        assertEquals(List.of("QUEUED", "FAILED"), failed.getList("history.to"));
        assertEquals(0, failed.getLong("cost.amountMinor"), "it never ran");
    }

    /**
     * A HELD reserved job (held by its tenant, or waiting for another job) whose reservation closes can never start:
     * it fails as a queued one does, and what waits for it is cancelled in turn.
     */
    @Test
    void held_reserved_jobs_of_a_cancelled_reservation_fail_instead_of_staying_held_for_ever() {
        String cluster = World.cluster(1);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        String reserved = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"reservationId\":\""
                + reservation + "\",\"maxRunSeconds\":3600";
        String held = submit(owner.admin(), reserved + ",\"hold\":true}").then().statusCode(201)
                .body("state", equalTo("HELD")).extract().path("id");
        // A spot job of the same tenant runs on (its agent never reports an end) while the second reserved one waits.
        String first = submitted(owner.admin(), job(cluster, owner.projectId(), "1", "SPOT", 36000));
        emulator.hang(UUID.fromString(first));
        String waiting = submit(owner.admin(), reserved + ",\"dependsOn\":[{\"jobId\":\"" + first + "\"}]}").then()
                .statusCode(201).body("state", equalTo("HELD")).body("reason", equalTo("DEPENDENCY"))
                .extract().path("id");
        String after = submit(owner.admin(), job(cluster, owner.projectId(), "1", "SPOT", 60).replace("}",
                ",\"dependsOn\":[{\"jobId\":\"" + held + "\"}]}")).then().statusCode(201)
                .body("state", equalTo("HELD")).extract().path("id");
        given().auth().oauth2(owner.admin()).post("/api/v1/reservations/" + reservation + "/cancel").then()
                .statusCode(200).body("state", equalTo("CANCELLED"));
        for (String id : List.of(held, waiting)) {
            JsonPath failed = until(owner.admin(), id, state("FAILED"));
            assertEquals("RESERVATION_ENDED", failed.getString("reason"), failed.prettify());
            assertEquals(List.of("QUEUED", "HELD", "FAILED"), failed.getList("history.to"));
            assertEquals(0, failed.getLong("cost.amountMinor"), "it never ran");
        }
        JsonPath cancelled = until(owner.admin(), after, state("CANCELLED"));
        assertEquals("DEPENDENCY_NEVER_SATISFIED", cancelled.getString("reason"));
        // The job it waited for runs on, untouched.
        given().auth().oauth2(owner.admin()).get("/api/v1/jobs/" + first).then().statusCode(200)
                .body("state", equalTo("RUNNING"));
        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);
    }

    @Test
    void a_reservation_left_short_by_nodes_going_down_shows_it_tells_its_webhook_and_the_loop_records_the_stretches()
            throws Exception {
        String cluster = World.cluster(3);
        String slug = given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plusSeconds(1);
        String reservation = reserve(owner, cluster, 24, start, start.plus(Duration.ofHours(2)))
                .body("cardsShort", equalTo(0)).extract().path("id");
        UUID id = UUID.fromString(reservation);
        untilReservation(owner, reservation, r -> "ACTIVE".equals(r.getString("state")));
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = given().auth().oauth2(owner.admin()).contentType("application/json")
                    .body("{\"url\":\"" + receiver.url() + "\"}").put("/api/v1/tenants/" + owner.id() + "/webhook")
                    .then().statusCode(200).extract().path("secret");
            setNode(cluster, slug + "-n2", "DOWN");
            untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 8);
            assertEquals(1, platformCount("select count(*) from reservation_shortfalls where reservation_id = $1 "
                    + "and ended_at is null and cards = 8 and tenant_id = $2 and cluster_id = $3", id,
                    UUID.fromString(owner.id()), UUID.fromString(cluster)));
            // Listed the same way; another tenant sees neither the reservation nor its shortfall.
            given().auth().oauth2(owner.admin()).queryParam("short", "true").get("/api/v1/reservations").then()
                    .statusCode(200).body("items.id", equalTo(List.of(reservation))).body("items[0].cardsShort",
                    equalTo(8));
            given().auth().oauth2(World.tenant().admin()).get("/api/v1/reservations/" + reservation).then()
                    .statusCode(404);
            // The operator lists what the node left short; a tenant may not list the cluster's reservations.
            String onCluster = "/api/v1/clusters/" + cluster + "/reservations";
            given().auth().oauth2(Tokens.olga()).queryParam("short", "true").get(onCluster).then().statusCode(200)
                    .body("items.id", equalTo(List.of(reservation))).body("items[0].cardsShort", equalTo(8))
                    .body("items[0].tenantId", equalTo(owner.id()));
            given().auth().oauth2(Tokens.olga()).queryParam("short", "yes").get(onCluster).then().statusCode(400)
                    .body("errors[0].field", equalTo("short"));
            given().auth().oauth2(owner.admin()).get(onCluster).then().statusCode(403);
            setNode(cluster, slug + "-n3", "DOWN");
            untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 16);
            setNode(cluster, slug + "-n2", "AVAILABLE");
            untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 8);
            setNode(cluster, slug + "-n3", "AVAILABLE");
            untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 0);
            given().auth().oauth2(Tokens.olga()).queryParam("short", "true").get(onCluster).then().statusCode(200)
                    .body("items", hasSize(0));
            given().auth().oauth2(Tokens.admin()).queryParam("state", "ACTIVE").get(onCluster).then().statusCode(200)
                    .body("items.id", equalTo(List.of(reservation)));
            // Three stretches (8, 16, 8 cards short), back to back, all ended.
            assertEquals(3, platformCount("select count(*) from reservation_shortfalls where reservation_id = $1 "
                    + "and ended_at >= started_at", id));
            assertEquals(0, platformCount("select count(*) from reservation_shortfalls where reservation_id = $1 "
                    + "and ended_at is null", id));
            assertEquals(0, platformCount("select count(*) from reservation_shortfalls a join reservation_shortfalls b "
                    + "on a.reservation_id = b.reservation_id and a.id < b.id and b.started_at < a.ended_at "
                    + "where a.reservation_id = $1", id), "stretches never overlap");
            // The tenant's webhook is told each change, signed, each event once; restored only at the end (the
            // outbox rows are written with the stretches, so they are all there now).
            assertEquals(3, platformCount("select count(*) from webhook_deliveries where tenant_id = $1 and "
                    + "event_type = 'reservation.short'", UUID.fromString(owner.id())));
            assertEquals(1, platformCount("select count(*) from webhook_deliveries where tenant_id = $1 and "
                    + "event_type = 'reservation.restored'", UUID.fromString(owner.id())));
            List<JsonPath> events = untilEvents(receiver, 4);
            assertEquals(List.of("reservation.restored:0", "reservation.short:16", "reservation.short:8",
                    "reservation.short:8"), events.stream().map(e -> e.getString("type") + ":"
                    + e.getInt("data.cardsShort")).sorted().toList());
            assertTrue(events.stream().allMatch(e -> reservation.equals(e.getString("data.reservationId"))
                    && e.getInt("data.cards") == 24 && e.getString("data.since") != null));
            assertEquals(0, receiver.badSignatures.get());
            assertEquals(4, receiver.delivered.stream().distinct().count());
            given().auth().oauth2(owner.admin()).get("/api/v1/tenants/" + owner.id() + "/webhook/deliveries").then()
                    .statusCode(200).body("items.eventType", hasItem("reservation.restored"));
        }
    }

    /** The bodies of the first {@code n} events the receiver accepted (at most 30 s: a wait, not a timing check). */
    private static List<JsonPath> untilEvents(WebhookReceiver receiver, int n) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (receiver.bodies.size() < n && Instant.now().isBefore(deadline)) {
            sleep(50);
        }
        assertEquals(n, receiver.bodies.size(), "events delivered: " + receiver.bodies);
        return receiver.bodies.stream().map(JsonPath::from).toList();
    }

    /**
     * Imports the cluster's inventory as {@code World.cluster} makes it, with {@code nodes} nodes (n1, n2 in block 1,
     * n3, n4 in block 2, ...): one node more rebuilds the cluster's loop.
     */
    private static void importNodes(String cluster, String slug, int nodes) {
        StringBuilder csv = new StringBuilder("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n");
        for (int n = 1; n <= nodes; n++) {
            csv.append(slug).append("-n").append(n).append(",ASCEND-910B,8,192000,1572864,").append(slug).append("-r")
                    .append(n).append(',').append(slug).append("-b").append((n + 1) / 2).append('\n');
        }
        given().auth().oauth2(Tokens.olga()).contentType("text/csv").body(csv.toString())
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
    }

    /** A RESERVED job of 8 cards for an hour in the owner's reservation. */
    private static String reservedJob(World.Tenant owner, String cluster, String reservation) {
        return reservedJob(owner, cluster, reservation, 8, 3600);
    }

    /** A RESERVED job of {@code cards} cards for {@code seconds} in the owner's reservation. */
    private static String reservedJob(World.Tenant owner, String cluster, String reservation, int cards,
            long seconds) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":" + cards + ",\"class\":\"RESERVED\",\"reservationId\":\""
                + reservation + "\",\"maxRunSeconds\":" + seconds + "}";
    }

    /** The owner buys {@code cards} ASCEND-910B cards on the cluster for [start, end); 201 expected. */
    static io.restassured.response.ValidatableResponse reserve(World.Tenant owner, String cluster, int cards,
            Instant start, Instant end) {
        return given().auth().oauth2(owner.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":" + cards + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end
                        + "\"}")
                .post("/api/v1/reservations").then().statusCode(201);
    }

    private static void setNode(String cluster, String node, String state) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"" + state + "\"}")
                .put("/api/v1/clusters/" + cluster + "/nodes/" + node + "/state").then().statusCode(200);
    }

    /** Polls the reservation's nodes until they match (at most 30 s: the loop records them within a refresh). */
    private static JsonPath untilNodes(World.Tenant t, String id, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().auth().oauth2(t.member()).get("/api/v1/reservations/" + id + "/nodes").then().statusCode(200)
                    .extract().jsonPath();
            if (done.test(last)) {
                return last;
            }
            sleep(50);
        }
        throw new AssertionError("reservation " + id + "'s nodes never got there; last seen: "
                + (last == null ? null : last.prettify()));
    }

    private static JsonPath untilReservation(World.Tenant t, String id, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().auth().oauth2(t.admin()).get("/api/v1/reservations/" + id).then().statusCode(200).extract()
                    .jsonPath();
            if (done.test(last)) {
                return last;
            }
            sleep(50);
        }
        throw new AssertionError("reservation " + id + " never got there; last seen: "
                + (last == null ? null : last.prettify()));
    }

    @Test
    void an_extended_reservations_jobs_run_on_past_the_end_it_was_bought_with() {
        String cluster = World.cluster(1);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plusSeconds(1);
        Instant end = start.plusSeconds(6);
        String reservation = reserve(owner, cluster, 8, start, end).extract().path("id");
        String body = reservedJob(owner, cluster, reservation, 4, 120);
        // Two minutes do not fit the window as bought; they do once it is extended.
        submit(owner.admin(), body).then().statusCode(400).body("errors[0].field", equalTo("maxRunSeconds"));
        given().auth().oauth2(owner.admin()).contentType("application/json")
                .body("{\"endAt\":\"" + end.plusSeconds(600) + "\"}")
                .post("/api/v1/reservations/" + reservation + "/extensions").then().statusCode(201);
        String first = submitted(owner.admin(), body);
        emulator.hang(UUID.fromString(first));
        until(owner.admin(), first, state("RUNNING"));
        // Past the end it was bought with (and a few of the loop's refreshes), the loop still takes its jobs: a job
        // submitted now starts, and the first runs on, where without the extension both would end RESERVATION_ENDED.
        sleep(Math.max(0, Duration.between(Instant.now(), end).toMillis()) + 5_000);
        String second = submitted(owner.admin(), body);
        emulator.hang(UUID.fromString(second));
        until(owner.admin(), second, state("RUNNING"));
        JsonPath still = given().auth().oauth2(owner.admin()).get("/api/v1/jobs/" + first).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("RUNNING", still.getString("state"), still.prettify());
        assertEquals(List.of("QUEUED", "RUNNING"), still.getList("history.to"));
        given().auth().oauth2(owner.admin()).get("/api/v1/reservations/" + reservation).then().statusCode(200)
                .body("state", equalTo("ACTIVE"));
        for (String job : List.of(first, second)) {
            given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_reservations_utilization_counts_its_jobs_runs_against_the_card_time_reserved_so_far() {
        String cluster = World.cluster(1);
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String reservation = reserve(owner, cluster, 8, start, start.plusSeconds(3600)).extract().path("id");
        String path = "/api/v1/reservations/" + reservation + "/utilization";
        JsonPath idle = given().auth().oauth2(owner.member()).get(path).then().statusCode(200).extract().jsonPath();
        assertEquals(0, new BigDecimal("0").compareTo(new BigDecimal(idle.getString("usedCardHours"))));
        assertEquals(0, idle.getInt("jobs"));

        String job = submitted(owner.admin(), reservedJob(owner, cluster, reservation, 4, 600));
        emulator.hang(UUID.fromString(job));
        until(owner.admin(), job, state("RUNNING"));
        sleep(1500);
        JsonPath running = given().auth().oauth2(owner.member()).get(path).then().statusCode(200).extract().jsonPath();
        assertEquals(0, new BigDecimal("4").compareTo(new BigDecimal(running.getString("cardsInUseNow"))));
        assertEquals(1, running.getInt("jobs"));
        BigDecimal reserved = new BigDecimal(running.getString("reservedCardHours"));
        BigDecimal used = new BigDecimal(running.getString("usedCardHours"));
        assertTrue(used.signum() > 0, running.prettify());
        // Half the cards since the job started (after the window did): at most half of what was reserved so far.
        assertTrue(used.multiply(BigDecimal.valueOf(2)).compareTo(reserved) <= 0, running.prettify());
        assertEquals(0, reserved.subtract(used).compareTo(new BigDecimal(running.getString("unusedCardHours"))));
        // One day, or two when the test runs across midnight (UTC): the days add up to the whole.
        BigDecimal byDay = running.<Object>getList("days.reservedCardHours").stream()
                .map(x -> new BigDecimal(x.toString())).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertTrue(byDay.subtract(reserved).abs().compareTo(new BigDecimal("0.00001")) <= 0, running.prettify());
        assertTrue(running.getLong("unusedCost.amountMinor") > 0);

        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        until(owner.admin(), job, state("CANCELLED"));
        JsonPath ended = given().auth().oauth2(owner.member()).get(path).then().statusCode(200).extract().jsonPath();
        assertEquals(0, new BigDecimal("0").compareTo(new BigDecimal(ended.getString("cardsInUseNow"))));
        assertEquals(1, ended.getInt("jobs"), "its ended run counts");
        assertTrue(new BigDecimal(ended.getString("usedCardHours")).compareTo(used) >= 0, ended.prettify());
        given().auth().oauth2(other.admin()).get(path).then().statusCode(404).body("code",
                equalTo("RESERVATION_NOT_FOUND"));
    }

    @Test
    void reserved_jobs_still_running_or_waiting_when_the_window_ends_stop_with_RESERVATION_ENDED() {
        String cluster = World.cluster(1);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plusSeconds(1);
        Instant end = start.plusSeconds(8);
        String reservation = reserve(owner, cluster, 8, start, end).extract().path("id");
        // The first holds the reservation's cards until its time limit (its agent never reports an end); the second
        // waits for them, then would run past the window: it is stopped when the window ends, not at its limit.
        String first = submitted(owner.admin(), reservedJob(owner, cluster, reservation, 8, 3));
        emulator.hang(UUID.fromString(first));
        String second = submitted(owner.admin(), reservedJob(owner, cluster, reservation, 8, 6));
        emulator.hang(UUID.fromString(second));
        assertEquals("TIME_LIMIT", until(owner.admin(), first, state("FAILED")).getString("reason"));
        JsonPath ended = until(owner.admin(), second, state("FAILED"));
        // Normally it started once the first stopped (QUEUED, RUNNING, FAILED); on a machine slow enough that the
        // window closed first, it fails from the queue (QUEUED, FAILED): the same reason either way.
        assertEquals("RESERVATION_ENDED", ended.getString("reason"), ended.prettify());
        assertEquals("FAILED", ended.getList("history.to").get(ended.getList("history.to").size() - 1));
        assertEquals(0, ended.getLong("cost.amountMinor"), "a reserved run is paid by the reservation");
    }

    @Test
    void a_reserved_job_reclaims_its_reserved_cards_from_other_tenants_spot_work_at_once() {
        String cluster = World.cluster(2);
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        Instant start = Instant.now().plusSeconds(1);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        String spot = submitted(other.admin(), job(cluster, other.projectId(), "16", "SPOT", 36000));
        until(other.admin(), spot, state("RUNNING"));
        String mine = submitted(owner.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"reservationId\":\"" + reservation
                + "\",\"maxRunSeconds\":3600}");
        JsonPath ran = until(owner.admin(), mine, state("RUNNING").or(state("SUCCEEDED")));
        assertEquals(0, ran.getLong("unitPrice.amountMinor"), "paid by the reservation");
        JsonPath preempted = until(other.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
        assertTrue(preempted.getLong("credit.amountMinor") >= 0);
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
        // A RESERVED job larger than its reservation, or on another class's terms, is refused.
        submit(owner.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":9,\"class\":\"RESERVED\",\"reservationId\":\"" + reservation
                + "\",\"maxRunSeconds\":60}").then().statusCode(409).body("code", equalTo("JOB_LARGER_THAN_RESERVATION"));
        submit(owner.admin(), job(cluster, owner.projectId(), "1", "RESERVED", 60)).then().statusCode(400)
                .body("code", equalTo("RESERVATION_MISMATCH"));
        submit(other.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + other.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"RESERVED\",\"reservationId\":\"" + reservation
                + "\",\"maxRunSeconds\":60}").then().statusCode(404).body("code", equalTo("RESERVATION_NOT_FOUND"));
    }

    @Test
    void a_reservation_holds_the_node_free_of_other_tenants_work_and_a_rebuild_finds_it_again() {
        String cluster = World.cluster(2);
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        // Another tenant's long on-demand job runs on the first node (the second is down meanwhile, so that it lands
        // there): the node a hold in the topology's order would take.
        setNode(cluster, slug + "-n2", "DOWN");
        JsonPath theirs = runningWholeNode(other, cluster);
        assertEquals(slug + "-n1", theirs.getString("placement[0].node"));
        setNode(cluster, slug + "-n2", "AVAILABLE");
        Instant start = Instant.now().plusSeconds(1);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        String reserved = reservedJob(owner, cluster, reservation);
        JsonPath mine = until(owner.admin(), submitted(owner.admin(), reserved), state("RUNNING"));
        assertEquals(slug + "-n2", mine.getString("placement[0].node"));
        String queued = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 36000));

        // A node added to the inventory rebuilds the loop, which chooses the holds again once it knows what runs:
        // the reservation takes the node free of other tenants' work, where its own job runs. The other tenant's
        // queued job starts on the new node, which shows the rebuild done.
        importNodes(cluster, slug, 3);
        assertEquals(slug + "-n3", until(other.admin(), queued, state("RUNNING")).getString("placement[0].node"));

        // With one more job of the other tenant waiting, the reservation's job ends: its node stays held, so the
        // waiting job does not take it and the reservation's next job runs there at once. (Held in the topology's
        // order, or chosen before the running jobs were known, the reservation would hold the first node, and the
        // waiting job would take the second.)
        String waiting = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 36000));
        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + mine.getString("id") + "/cancel").then()
                .statusCode(200);
        JsonPath again = until(owner.admin(), submitted(owner.admin(), reserved), state("RUNNING"));
        assertEquals(slug + "-n2", again.getString("placement[0].node"));
        until(other.admin(), waiting, state("QUEUED"));
        for (String id : List.of(theirs.getString("id"), queued, waiting)) {
            given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + again.getString("id") + "/cancel").then()
                .statusCode(200);
    }

    @Test
    void a_reservation_to_come_keeps_its_node_from_other_tenants_work_that_would_run_into_its_window() {
        String cluster = World.cluster(2);
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        Instant start = Instant.now().plusSeconds(20);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        // The loop reloads reservations every 2 s (before it places anything in a cycle): after 2.5 s every cycle
        // knows this one. Both nodes are idle; the reservation keeps the first in the topology's order.
        sleep(2_500);

        // The tenant sees where its cards will be.
        JsonPath kept = untilNodes(owner, reservation, n -> n.getList("items").size() == 1);
        assertEquals(slug + "-n1", kept.getString("items[0].node"));
        assertEquals("KEPT", kept.getString("items[0].state"));
        given().auth().oauth2(World.tenant().admin()).get("/api/v1/reservations/" + reservation + "/nodes").then()
                .statusCode(404).body("code", equalTo("RESERVATION_NOT_FOUND"));
        // So does the cluster's operator (before draining a node), with the reservation and its window; another
        // city's operator and tenants may not look.
        JsonPath onCluster = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster
                + "/reservations/nodes").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(slug + "-n1"), onCluster.getList("items.node"));
        assertEquals("KEPT", onCluster.getString("items[0].state"));
        assertEquals(reservation, onCluster.getString("items[0].reservationId"));
        assertEquals(owner.id(), onCluster.getString("items[0].tenantId"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"shenzhen\",\"name\":\"Shenzhen\"}").post("/api/v1/operators");  // 201 or 409
        given().auth().oauth2(Tokens.token("oscar", null, "shenzhen", "operator")).get("/api/v1/clusters/" + cluster
                + "/reservations/nodes").then().statusCode(403).body("code", equalTo("NOT_CLUSTER_OPERATOR"));
        given().auth().oauth2(owner.admin()).get("/api/v1/clusters/" + cluster + "/reservations/nodes").then()
                .statusCode(403);
        // Another tenant's 10-hour job would run into the window: it goes to the other node, though the kept one
        // is first in order (and where it would go without the reservation).
        JsonPath first = runningWholeNode(other, cluster);
        assertEquals(slug + "-n2", first.getString("placement[0].node"));
        // A second such job waits, with the kept node idle; a job declared to end before the window starts there.
        String waits = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 36000));
        JsonPath brief = until(other.admin(), submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND",
                5)), state("RUNNING").or(state("SUCCEEDED")));
        assertEquals(slug + "-n1", brief.getString("placement[0].node"));
        assertEquals("QUEUED", until(other.admin(), waits, j -> true).getString("state"),
                "the shorter job, submitted after it, started where it could not");
        // Its view says so: not now on the idle kept node, but once the window is over (the other node runs ten
        // hours). A SPOT quote of the same tenant may use the kept node: now.
        Instant windowEnds = Instant.parse(given().auth().oauth2(owner.admin()).get("/api/v1/reservations/"
                + reservation).then().statusCode(200).extract().<String>path("endAt"));
        assertEquals(windowEnds, Instant.parse(until(other.admin(), waits, j -> true).getString("estimatedStartAt")));
        Instant asked = Instant.now();
        Instant spot = Instant.parse(given().auth().oauth2(other.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"SPOT\","
                        + "\"maxRunSeconds\":3600}").post("/api/v1/quotes").then().statusCode(201).extract()
                .<String>path("earliestStartAt"));
        assertTrue(!spot.isBefore(asked.minusSeconds(1)) && spot.isBefore(asked.plusSeconds(5)), "now: " + spot);

        // Once the window opens the reservation holds the node it kept: its job runs there at once, and the other
        // tenant's job still waits.
        String reserved = reservedJob(owner, cluster, reservation);
        sleep(Math.max(0, Duration.between(Instant.now(), start).toMillis()));
        JsonPath mine = until(owner.admin(), submitted(owner.admin(), reserved), state("RUNNING"));
        assertEquals(slug + "-n1", mine.getString("placement[0].node"));
        assertEquals("QUEUED", until(other.admin(), waits, j -> true).getString("state"));
        assertEquals(slug + "-n1", untilNodes(owner, reservation, n -> "HELD".equals(n.getString("items[0].state")))
                .getString("items[0].node"), "held now, the same node");
        for (String id : List.of(first.getString("id"), waits)) {
            given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + mine.getString("id") + "/cancel").then()
                .statusCode(200);
    }

    @Test
    void a_reserved_job_submitted_before_its_window_is_told_it_starts_when_the_window_opens() {
        String cluster = World.cluster(2);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(3_600);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        // Both nodes are idle, but the loop admits a RESERVED job only in its window: it waits, and says until when.
        String reserved = submitted(owner.admin(), reservedJob(owner, cluster, reservation));
        JsonPath waiting = until(owner.admin(), reserved, j -> "RESERVATION_NOT_STARTED".equals(j.getString("reason")));
        assertEquals("QUEUED", waiting.getString("state"));
        assertEquals(start, Instant.parse(waiting.getString("estimatedStartAt")));
        // An on-demand job of the same tenant behind it starts now, as it does.
        JsonPath now = until(owner.admin(), submitted(owner.admin(), job(cluster, owner.projectId(), "8", "ON_DEMAND",
                600)), state("RUNNING"));
        assertEquals("QUEUED", until(owner.admin(), reserved, j -> true).getString("state"));
        for (String id : List.of(reserved, now.getString("id"))) {
            given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_reserved_job_waiting_for_its_reservations_own_cards_is_told_it_starts_when_they_free() {
        String cluster = World.cluster(2);
        World.Tenant owner = World.tenant();
        Instant start = Instant.now().plusSeconds(1);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(3))).extract().path("id");
        JsonPath first = until(owner.admin(), submitted(owner.admin(), reservedJob(owner, cluster, reservation)),
                state("RUNNING"));
        // The reservation's 8 cards are taken by its first job: the second waits for them, though the cluster's other
        // node is idle (a RESERVED job runs on what its reservation bought, counted: RESERVATION_FULL).
        String second = submitted(owner.admin(), reservedJob(owner, cluster, reservation));
        JsonPath waiting = until(owner.admin(), second, j -> "RESERVATION_FULL".equals(j.getString("reason"))
                && j.getString("estimatedStartAt") != null);
        Instant firstEnds = Instant.parse(first.getString("startedAt")).plusSeconds(3600);
        Instant told = Instant.parse(waiting.getString("estimatedStartAt"));
        assertTrue(Math.abs(Duration.between(firstEnds, told).toMillis()) < 1000,
                "told " + told + ", the first job's declared end is " + firstEnds);
        // A third behind it waits for the second's end in turn.
        String third = submitted(owner.admin(), reservedJob(owner, cluster, reservation));
        JsonPath after = until(owner.admin(), third, j -> "RESERVATION_FULL".equals(j.getString("reason"))
                && j.getString("estimatedStartAt") != null);
        assertTrue(Math.abs(Duration.between(firstEnds.plusSeconds(3600),
                Instant.parse(after.getString("estimatedStartAt"))).toMillis()) < 1000, after.prettify());
        for (String id : List.of(third, second, first.getString("id"))) {
            given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_window_opening_on_other_tenants_work_is_short_of_its_cards_until_a_node_frees_and_stands_in() {
        String cluster = World.cluster(2);
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        // Another tenant's 10-hour jobs fill the cluster before the reservation is bought: its window opens at once
        // on a node it cannot use, and it says so (credited as card time not delivered).
        JsonPath first = runningWholeNode(other, cluster);
        JsonPath second = runningWholeNode(other, cluster);
        Instant start = Instant.now().plusSeconds(1);
        String reservation = reserve(owner, cluster, 8, start, start.plus(Duration.ofHours(2))).extract().path("id");
        untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 8);
        String reserved = reservedJob(owner, cluster, reservation);
        String mine = submitted(owner.admin(), reserved);
        // The job on the second node ends: the reservation takes that node instead, whole again, and its job runs
        // there; the first node goes back to the pool with the other tenant's job still on it.
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + second.getString("id") + "/cancel").then()
                .statusCode(200);
        JsonPath running = until(owner.admin(), mine, state("RUNNING"));
        assertEquals(second.getString("placement[0].node"), running.getString("placement[0].node"));
        untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 0);
        assertEquals("RUNNING", until(other.admin(), first.getString("id"), j -> true).getString("state"),
                "the work placed before the window is not stopped");
        given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + first.getString("id") + "/cancel").then()
                .statusCode(200);
        given().auth().oauth2(owner.admin()).post("/api/v1/jobs/" + mine + "/cancel").then().statusCode(200);
    }

    @Test
    void a_loop_rebuild_keeps_the_shortfall_of_cards_others_work_takes_as_one_stretch() {
        String cluster = World.cluster(2);
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        World.Tenant owner = World.tenant();
        World.Tenant other = World.tenant();
        JsonPath first = runningWholeNode(other, cluster);
        JsonPath second = runningWholeNode(other, cluster);
        // Same block: both nodes are in block 1, so a node added in block 2 cannot stand in for the busy one.
        Instant start = Instant.now().plusSeconds(1);
        String reservation = given().auth().oauth2(owner.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + owner.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"startAt\":\"" + start + "\",\"endAt\":\""
                        + start.plus(Duration.ofHours(2)) + "\",\"sameBlock\":true}")
                .post("/api/v1/reservations").then().statusCode(201).extract().path("id");
        untilReservation(owner, reservation, r -> r.getInt("cardsShort") == 8);
        String queued = submitted(other.admin(), job(cluster, other.projectId(), "8", "ON_DEMAND", 36000));

        // A node added to the inventory rebuilds the loop (the queued job starting on it shows the rebuild done). The
        // rebuild chooses the holds before it knows the running jobs, then again after: only the second may count
        // what others' work takes, or the shortfall would end and start again (a false reservation.restored).
        importNodes(cluster, slug, 3);
        assertEquals(slug + "-n3", until(other.admin(), queued, state("RUNNING")).getString("placement[0].node"));
        assertEquals(8, untilReservation(owner, reservation, r -> true).getInt("cardsShort"));
        UUID id = UUID.fromString(reservation);
        assertEquals(1, platformCount("select count(*) from reservation_shortfalls where reservation_id = $1", id),
                "one stretch across the rebuild");
        assertEquals(1, platformCount("select count(*) from reservation_shortfalls where reservation_id = $1 "
                + "and ended_at is null and cards = 8", id));
        for (String job : List.of(first.getString("id"), second.getString("id"), queued)) {
            given().auth().oauth2(other.admin()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void no_tenant_sees_or_touches_another_tenants_jobs_and_tenants_never_reach_the_cluster_routes() {
        String cluster = World.cluster(1);
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String id = submitted(a.admin(), job(cluster, a.projectId(), "1", "ON_DEMAND", 36000));
        given().auth().oauth2(b.admin()).get("/api/v1/jobs/" + id).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(b.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(404);
        given().auth().oauth2(b.admin()).post("/api/v1/jobs/" + id + "/hold").then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(b.admin()).post("/api/v1/jobs/" + id + "/release").then().statusCode(404);
        given().auth().oauth2(b.admin()).get("/api/v1/jobs?limit=500").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.not(hasItem(id)));
        submit(b.admin(), job(cluster, a.projectId(), "1", "ON_DEMAND", 60)).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        given().auth().oauth2(a.admin()).get("/api/v1/clusters/" + cluster + "/assignments").then().statusCode(403);
        given().auth().oauth2(a.admin()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"x\",\"type\":\"JOB_SUCCEEDED\",\"jobId\":\"" + id + "\",\"attempt\":1}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(403);
        given().auth().oauth2(a.admin()).get("/api/v1/jobs?state=QUEUED&limit=500").then().statusCode(200);
        given().auth().oauth2(a.admin()).get("/api/v1/jobs?state=LOST").then().statusCode(400);
        // PREEMPTED is a passage, never a state a job is found in: the contract does not list it, nor does the check.
        given().auth().oauth2(a.admin()).get("/api/v1/jobs?state=PREEMPTED").then().statusCode(400)
                .body("errors[0].field", equalTo("state"))
                .body("detail", org.hamcrest.Matchers.containsString("QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED"));
        given().auth().oauth2(a.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
    }

    @Test
    void platform_admins_read_any_tenants_jobs_and_a_tenant_names_only_its_own() {
        String cluster = World.cluster(1);
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String id = submitted(a.admin(), job(cluster, a.projectId(), "1", "ON_DEMAND", 36000));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/jobs/" + id).then().statusCode(200)
                .body("tenantId", equalTo(a.id())).body("history[0].to", equalTo("QUEUED"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).queryParam("tenantId", a.id()).get("/api/v1/jobs").then()
                .statusCode(200).body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(Tokens.admin()).queryParam("tenantId", b.id()).get("/api/v1/jobs").then()
                .statusCode(200).body("items", org.hamcrest.Matchers.empty());
        given().auth().oauth2(Tokens.admin()).queryParam("order", "newest").queryParam("limit", 500)
                .get("/api/v1/jobs").then().statusCode(200).body("items.id", hasItem(id));
        given().auth().oauth2(Tokens.admin()).queryParam("projectId", a.projectId()).get("/api/v1/jobs").then()
                .statusCode(200).body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(Tokens.admin()).queryParam("tenantId", UUID.randomUUID()).get("/api/v1/jobs").then()
                .statusCode(404).body("code", equalTo("TENANT_NOT_FOUND"));
        // A tenant may name itself, never another; nobody else reads jobs.
        given().auth().oauth2(a.viewer()).queryParam("tenantId", a.id()).get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(b.admin()).queryParam("tenantId", a.id()).get("/api/v1/jobs").then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/jobs/" + id).then().statusCode(403);
        given().auth().oauth2(Tokens.olga()).queryParam("tenantId", a.id()).get("/api/v1/jobs").then().statusCode(404);
        given().auth().oauth2(a.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
    }

    @Test
    void agent_events_are_applied_once_and_a_node_that_goes_down_fails_or_requeues_its_jobs_by_class() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String onDemand = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        String spot = submitted(t.admin(), job(cluster, t.projectId(), "8", "SPOT", 36000));
        JsonPath od = until(t.admin(), onDemand, state("RUNNING"));
        JsonPath sp = until(t.admin(), spot, state("RUNNING"));
        String odNode = od.getString("placement[0].node");
        String spNode = sp.getString("placement[0].node");
        String events = "{\"events\":[{\"eventId\":\"down-1\",\"type\":\"NODE_DOWN\",\"node\":\"" + odNode + "\"},"
                + "{\"eventId\":\"down-2\",\"type\":\"NODE_DOWN\",\"node\":\"" + spNode + "\"}]}";
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body(events)
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200)
                .body("results.outcome", equalTo(List.of("APPLIED", "APPLIED")));
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body(events)
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200)
                .body("results.outcome", equalTo(List.of("DUPLICATE", "DUPLICATE")));
        JsonPath failed = until(t.admin(), onDemand, state("FAILED"));
        assertEquals("NODE_DOWN", failed.getString("reason"));
        JsonPath requeued = until(t.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
        assertEquals("QUEUED", requeued.getString("state"), "both nodes are down: it waits");
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"up-1\",\"type\":\"NODE_UP\",\"node\":\"" + spNode + "\"}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200);
        JsonPath again = until(t.admin(), spot, state("RUNNING"));
        assertEquals(2, again.getInt("attempt"));
        assertEquals(spNode, again.getString("placement[0].node"));
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"bad\",\"type\":\"NODE_DOWN\",\"node\":\"no-such-node\"}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(400)
                .body("code", equalTo("UNKNOWN_NODE"));
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"late\",\"type\":\"JOB_SUCCEEDED\",\"jobId\":\"" + onDemand
                        + "\",\"attempt\":1}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200)
                .body("results[0].outcome", equalTo("STALE"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
    }

    /**
     * A batch of acknowledgments only (one statement) answers what the same events get one by one in a mixed
     * batch (event by event): APPLIED, DUPLICATE for an id seen before or repeated, STALE, UNKNOWN_JOB.
     */
    @Test
    void a_batch_of_acknowledgments_gets_the_outcomes_of_one_by_one() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String id = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 36000));
        String node = until(t.admin(), id, state("RUNNING")).getString("placement[0].node");
        String unknown = UUID.randomUUID().toString();
        String run = UUID.randomUUID().toString();
        List<String> expected = List.of("APPLIED", "DUPLICATE", "UNKNOWN_JOB", "STALE", "STALE");
        String acks = "{\"events\":[" + ack("a-" + run, "JOB_STARTED", id, 1) + "," + ack("a-" + run, "JOB_STARTED", id, 1)
                + "," + ack("b-" + run, "JOB_STARTED", unknown, 1) + "," + ack("c-" + run, "JOB_STARTED", id, 7)
                + "," + ack("d-" + run, "JOB_STOPPED", id, 1) + "]}";
        events(cluster, acks).body("results.outcome", equalTo(expected))
                .body("results.eventId", equalTo(List.of("a-" + run, "a-" + run, "b-" + run, "c-" + run, "d-" + run)));
        events(cluster, acks).body("results.outcome", equalTo(List.of("DUPLICATE", "DUPLICATE", "DUPLICATE",
                "DUPLICATE", "DUPLICATE")));
        // The same events with a node event first go one by one.
        String mixed = "{\"events\":[{\"eventId\":\"up-" + run + "\",\"type\":\"NODE_UP\",\"node\":\"" + node + "\"},"
                + ack("e-" + run, "JOB_STARTED", id, 1) + "," + ack("e-" + run, "JOB_STARTED", id, 1) + ","
                + ack("f-" + run, "JOB_STARTED", unknown, 1) + "," + ack("g-" + run, "JOB_STARTED", id, 7) + ","
                + ack("h-" + run, "JOB_STOPPED", id, 1) + "]}";
        events(cluster, mixed).body("results.outcome", equalTo(List.of("APPLIED", "APPLIED", "DUPLICATE",
                "UNKNOWN_JOB", "STALE", "STALE")));
        assertEquals("RUNNING", given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + id).then().statusCode(200)
                .extract().path("state"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
    }

    private static String ack(String eventId, String type, String job, int attempt) {
        return "{\"eventId\":\"" + eventId + "\",\"type\":\"" + type + "\",\"jobId\":\"" + job + "\",\"attempt\":"
                + attempt + "}";
    }

    private static io.restassured.response.ValidatableResponse events(String cluster, String body) {
        return given().auth().oauth2(Tokens.olga()).contentType("application/json").body(body)
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200);
    }

    @Test
    void offers_show_the_cards_running_work_leaves_free() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String id = runningWholeNode(t, cluster).getString("id");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        int available;
        do {
            sleep(100);
            available = given().auth().oauth2(t.admin()).get("/api/v1/offers?class=ON_DEMAND&clusterId=" + cluster)
                    .then().statusCode(200).extract().path("items[0].cardsAvailable");
        } while (available != 8 && Instant.now().isBefore(deadline));
        assertEquals(8, available, "16 cards, 8 of them running a job");
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
    }
}
