package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.sleep;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.repository.AlertRepository;
import city.myriad.metering.service.WebhookDeliveries;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.support.Tokens;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Jobs' lifecycle events on tenants' webhooks: a webhook receives the types it names, each written with the
 * transition that makes it (by the database, in the writer's transaction), signed, once.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobWebhookEventsTest {

    static final String JOB_EVENTS = "[\"job.started\",\"job.preempted\",\"job.succeeded\",\"job.failed\","
            + "\"job.cancelled\"]";

    @Inject
    Pool pool;

    @Inject
    WebhookDeliveries webhooks;

    @Inject
    AlertRepository alerts;

    @Inject
    Scoped scoped;

    static io.restassured.response.ValidatableResponse setWebhook(World.Tenant t, String url, String events) {
        return given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"" + url + "\"" + (events == null ? "" : ",\"events\":" + events) + "}")
                .put("/api/v1/tenants/" + t.id() + "/webhook").then();
    }

    @Test
    void a_webhook_that_names_job_events_is_told_each_start_and_end_signed_once_and_one_that_does_not_is_not()
            throws Exception {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        World.Tenant quiet = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0); WebhookReceiver other = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver.url(), JOB_EVENTS).statusCode(200)
                    .body("events", equalTo(List.of("job.cancelled", "job.failed", "job.preempted", "job.started",
                            "job.succeeded")))
                    .extract().path("secret");
            given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200)
                    .body("events", hasSize(5));
            // A webhook set without events gets alerts and reservation events, as before there were job events.
            other.secret = setWebhook(quiet, other.url(), null).statusCode(200)
                    .body("events", equalTo(List.of("alert.raised", "reservation.restored", "reservation.short")))
                    .extract().path("secret");

            String quick = submitted(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600).replace("}",
                    ",\"tags\":{\"team\":\"vision\"},\"name\":\"nightly eval\"}"));
            String quiets = submitted(quiet.admin(), job(cluster, quiet.projectId(), "0.5", "ON_DEMAND", 60));
            until(t.admin(), quick, state("SUCCEEDED"));
            until(quiet.admin(), quiets, state("SUCCEEDED"));
            String cancelled = submitted(t.admin(), job(cluster, t.projectId(), "0.25", "SPOT", 36000));
            until(t.admin(), cancelled, state("RUNNING"));
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + cancelled + "/cancel").then().statusCode(200);

            List<JsonPath> events = untilEvents(receiver, 4);
            assertEquals(List.of(
                    cancelled + " job.cancelled CANCELLED CANCELLED_BY_TENANT #3",
                    cancelled + " job.started RUNNING SCHEDULED #2",
                    quick + " job.started RUNNING SCHEDULED #2",
                    quick + " job.succeeded SUCCEEDED COMPLETED #3").stream().sorted().toList(),
                    events.stream().map(e -> e.getString("data.jobId") + " " + e.getString("type") + " "
                            + e.getString("data.state") + " " + e.getString("data.reason") + " #"
                            + e.getInt("data.sequence")).sorted().toList());
            JsonPath done = events.stream().filter(e -> "job.succeeded".equals(e.getString("type"))).findFirst()
                    .orElseThrow();
            assertEquals(t.id(), done.getString("data.tenantId"));
            assertEquals(t.projectId(), done.getString("data.projectId"));
            assertEquals(cluster, done.getString("data.clusterId"));
            assertEquals("ASCEND-910B", done.getString("data.model"));
            assertEquals(4, done.getInt("data.cards"));
            assertEquals("ON_DEMAND", done.getString("data.class"));
            assertEquals(1, done.getInt("data.attempt"));
            assertEquals(Map.of("team", "vision"), done.getMap("data.tags"), "the job's own tags");
            assertEquals("nightly eval", done.getString("data.name"), "and its name");
            assertTrue(done.getMap("data").containsKey("arrayIndex") && done.get("data.arrayIndex") == null
                    && done.get("data.arrayId") == null, "submitted alone: in no array");
            assertTrue(events.stream().filter(e -> cancelled.equals(e.getString("data.jobId")))
                    .allMatch(e -> e.getMap("data").containsKey("name") && e.get("data.name") == null),
                    "no name: null");
            assertEquals(Map.of(), events.stream().filter(e -> cancelled.equals(e.getString("data.jobId")))
                    .findFirst().orElseThrow().getMap("data.tags"), "none: {}");
            JsonPath quickJob = until(t.admin(), quick, state("SUCCEEDED"));
            assertEquals(Instant.parse(quickJob.getString("history[2].at")).truncatedTo(ChronoUnit.MILLIS),
                    Instant.parse(done.getString("data.at")), "the event's time is the transition's");
            JsonPath quarter = events.stream().filter(e -> "job.cancelled".equals(e.getString("type"))).findFirst()
                    .orElseThrow();
            assertEquals(0.25f, quarter.getFloat("data.cards"));
            assertEquals("SPOT", quarter.getString("data.class"));
            // Signed, each event once, its id the delivery's event id.
            assertEquals(0, receiver.badSignatures.get());
            assertEquals(4, receiver.delivered.stream().distinct().count());
            assertEquals(events.stream().map(e -> e.getString("id")).sorted().toList(),
                    receiver.delivered.stream().sorted().toList());
            // The log filters by type; a type the service does not send is a 400 naming the parameter.
            String log = "/api/v1/tenants/" + t.id() + "/webhook/deliveries";
            given().auth().oauth2(t.admin()).queryParam("eventType", "job.started").get(log).then().statusCode(200)
                    .body("items", hasSize(2)).body("items.eventType", equalTo(List.of("job.started", "job.started")));
            given().auth().oauth2(t.admin()).queryParam("eventType", "job.finished").get(log).then().statusCode(400)
                    .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("eventType"));
            assertEquals(4, platformCount("select count(*) from webhook_deliveries where tenant_id = $1",
                    UUID.fromString(t.id())), "one row per event: none for the submissions");
            // The quiet tenant's webhook was told nothing of its job, and no row waits for it.
            assertEquals(0, platformCount("select count(*) from webhook_deliveries where tenant_id = $1",
                    UUID.fromString(quiet.id())));
            assertEquals(0, other.posts.get());
        }
    }

    @Test
    void a_hold_and_a_release_tell_a_webhook_that_names_them_and_a_submission_tells_nothing() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver.url(), "[\"job.held\",\"job.released\"]").statusCode(200)
                    .body("events", equalTo(List.of("job.held", "job.released"))).extract().path("secret");
            String running = JobsTest.runningWholeNode(t, cluster).getString("id");
            String queued = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600));
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + queued + "/hold").then().statusCode(200);
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + queued + "/release").then().statusCode(200);

            List<JsonPath> events = untilEvents(receiver, 2);
            assertEquals(List.of(queued + " job.held HELD HELD_BY_TENANT #2", queued + " job.released QUEUED RELEASED #3"),
                    events.stream().map(e -> e.getString("data.jobId") + " " + e.getString("type") + " "
                            + e.getString("data.state") + " " + e.getString("data.reason") + " #"
                            + e.getInt("data.sequence")).sorted().toList());
            assertEquals(0, receiver.badSignatures.get());
            // The submissions (QUEUED, not from HELD) and the start were no event of these types.
            assertEquals(2, platformCount("select count(*) from webhook_deliveries where tenant_id = $1",
                    UUID.fromString(t.id())));
            for (String j : List.of(queued, running)) {
                given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + j + "/cancel");  // clean-up
            }
        }
    }

    /** Support's hold over the tenant's own changes no state: the tenant's webhook still hears who holds it now. */
    @Test
    void a_platform_admins_hold_over_the_tenants_own_tells_the_tenants_webhook() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver.url(), "[\"job.held\",\"job.released\"]").statusCode(200)
                    .extract().path("secret");
            String held = given().auth().oauth2(t.member()).contentType("application/json")
                    .body(job(cluster, t.projectId(), "1", "ON_DEMAND", 600).replace("}", ",\"hold\":true}"))
                    .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
            given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + held + "/hold").then().statusCode(200)
                    .body("reason", equalTo("HELD_BY_ADMIN"));
            given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + held + "/hold").then().statusCode(200);
            // The admin's release leaves the tenant's own hold, which the tenant lifts.
            given().auth().oauth2(Tokens.admin()).post("/api/v1/jobs/" + held + "/release").then().statusCode(200)
                    .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_TENANT"));
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + held + "/release").then().statusCode(200)
                    .body("state", equalTo("QUEUED"));

            List<JsonPath> events = untilEvents(receiver, 4);
            assertEquals(List.of("#2 " + held + " job.held HELD HELD_BY_TENANT", "#3 " + held + " job.held HELD HELD_BY_ADMIN",
                            "#4 " + held + " job.held HELD HELD_BY_TENANT", "#5 " + held + " job.released QUEUED RELEASED"),
                    events.stream().map(e -> "#" + e.getInt("data.sequence") + " " + e.getString("data.jobId") + " "
                            + e.getString("type") + " " + e.getString("data.state") + " " + e.getString("data.reason"))
                            .sorted().toList());
            // The admin's second hold changed nothing and told nothing.
            assertEquals(4, platformCount("select count(*) from webhook_deliveries where tenant_id = $1",
                    UUID.fromString(t.id())));
            // No cleanup: released, the job runs its 600 s in one emulated second and ends by itself (cancelling it
            // raced that end: a run in which the deliveries came late found it SUCCEEDED and got 409).
        }
    }

    @Test
    void the_jobs_of_an_array_tell_their_webhook_their_array_and_index() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver.url(), "[\"job.held\"]").statusCode(200).extract().path("secret");
            String array = given().auth().oauth2(t.member()).contentType("application/json")
                    .body("{\"size\":2,\"job\":" + job(cluster, t.projectId(), "1", "ON_DEMAND", 600)
                            .replace("}", ",\"hold\":true}") + "}")
                    .post("/api/v1/job-arrays").then().statusCode(201).extract().path("id");
            List<JsonPath> events = untilEvents(receiver, 2);
            assertEquals(List.of(array + " 0 job.held", array + " 1 job.held"), events.stream()
                    .map(e -> e.getString("data.arrayId") + " " + e.getInt("data.arrayIndex") + " "
                            + e.getString("type")).sorted().toList());
            given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + array + "\"}")
                    .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(2));
        }
    }

    @Test
    void a_job_waiting_for_another_tells_its_webhook_it_waits_then_that_it_is_released_or_cancelled() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver.url(), "[\"job.held\",\"job.released\",\"job.cancelled\"]")
                    .statusCode(200).extract().path("secret");
            String first = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
            until(t.admin(), first, state("RUNNING"));
            String onEnd = submitted(t.admin(), dependsOn(job(cluster, t.projectId(), "1", "ON_DEMAND", 3600), first,
                    "ENDED"));
            String onSuccess = submitted(t.admin(), dependsOn(job(cluster, t.projectId(), "1", "ON_DEMAND", 3600),
                    first, "SUCCEEDED"));
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);

            List<JsonPath> events = untilEvents(receiver, 5);
            assertEquals(List.of(
                            first + " job.cancelled CANCELLED CANCELLED_BY_TENANT #3",
                            onEnd + " job.held HELD DEPENDENCY #2",
                            onEnd + " job.released QUEUED DEPENDENCY_SATISFIED #3",
                            onSuccess + " job.cancelled CANCELLED DEPENDENCY_NEVER_SATISFIED #3",
                            onSuccess + " job.held HELD DEPENDENCY #2").stream().sorted().toList(),
                    events.stream().map(e -> e.getString("data.jobId") + " " + e.getString("type") + " "
                            + e.getString("data.state") + " " + e.getString("data.reason") + " #"
                            + e.getInt("data.sequence")).sorted().toList());
            assertEquals(0, receiver.badSignatures.get());
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + onEnd + "/cancel");  // clean-up
        }
    }

    private static String dependsOn(String body, String job, String condition) {
        return body.substring(0, body.length() - 1) + ",\"dependsOn\":[{\"jobId\":\"" + job + "\",\"condition\":\""
                + condition + "\"}]}";
    }

    @Test
    void a_preempted_spot_job_tells_its_webhook_and_the_webhook_hears_only_what_it_named() throws Exception {
        String cluster = World.cluster(2);
        World.Tenant spotTenant = World.tenant();
        World.Tenant onDemandTenant = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(spotTenant, receiver.url(), "[\"job.preempted\",\"job.preempted\"]")
                    .statusCode(200).body("events", equalTo(List.of("job.preempted"))).extract().path("secret");
            String spot = submitted(spotTenant.admin(), job(cluster, spotTenant.projectId(), "16", "SPOT", 36000));
            until(spotTenant.admin(), spot, state("RUNNING"));
            String urgent = submitted(onDemandTenant.admin(), job(cluster, onDemandTenant.projectId(), "8",
                    "ON_DEMAND", 36000));
            until(onDemandTenant.admin(), urgent, state("RUNNING"));
            JsonPath requeued = until(spotTenant.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
            List<JsonPath> events = untilEvents(receiver, 1);
            JsonPath preempted = events.get(0);
            assertEquals("job.preempted", preempted.getString("type"));
            assertEquals(spot, preempted.getString("data.jobId"));
            assertEquals("PREEMPTED", preempted.getString("data.state"));
            assertEquals("PREEMPTED", preempted.getString("data.reason"));
            assertEquals(List.of("QUEUED", "RUNNING", "PREEMPTED"),
                    requeued.getList("history.to").subList(0, 3));
            assertEquals(3, preempted.getInt("data.sequence"), "the PREEMPTED transition, the third of the job");
            given().auth().oauth2(onDemandTenant.admin()).post("/api/v1/jobs/" + urgent + "/cancel").then()
                    .statusCode(200);
            given().auth().oauth2(spotTenant.admin()).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
            until(spotTenant.admin(), spot, state("CANCELLED"));
            // Started, requeued and cancelled: none of them named, none written.
            assertEquals(1, platformCount("select count(*) from webhook_deliveries where tenant_id = $1",
                    UUID.fromString(spotTenant.id())));
            sleep(300);
            assertEquals(1, receiver.posts.get());
            assertEquals(0, receiver.badSignatures.get());
        }
    }

    @Test
    void a_receiver_that_does_not_answer_holds_up_no_other_tenants_events() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant stuck = World.tenant();
        World.Tenant other = World.tenant();
        CountDownLatch answer = new CountDownLatch(1);
        AtomicInteger arrived = new AtomicInteger();
        HttpServer hanging = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hanging.setExecutor(Executors.newCachedThreadPool());
        hanging.createContext("/hook", exchange -> {
            arrived.incrementAndGet();
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        hanging.start();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            setWebhook(stuck, "http://127.0.0.1:" + hanging.getAddress().getPort() + "/hook", "[\"job.started\"]")
                    .statusCode(200);
            receiver.secret = setWebhook(other, receiver.url(), "[\"job.started\"]").statusCode(200).extract()
                    .path("secret");
            submitted(stuck.admin(), job(cluster, stuck.projectId(), "1", "ON_DEMAND", 36000));
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (arrived.get() == 0 && Instant.now().isBefore(deadline)) {
                sleep(50);
            }
            assertEquals(1, arrived.get(), "the stuck tenant's event reached its receiver, which does not answer");
            submitted(other.admin(), job(cluster, other.projectId(), "1", "ON_DEMAND", 36000));
            JsonPath started = untilEvents(receiver, 1).get(0);
            assertEquals("job.started", started.getString("type"));
            // The other tenant's event was sent and logged while the first post still waits for its answer: no try
            // of it is logged yet (a sender that waits for each receiver would have given up on it first).
            assertEquals(0, platformCount("select count(*) from webhook_attempts where tenant_id = $1",
                    UUID.fromString(stuck.id())));
            answer.countDown();
            assertEquals(1, untilCount(DELIVERED, UUID.fromString(stuck.id()), 1, Duration.ofSeconds(30)),
                    "answered at last, it is delivered");
        } finally {
            answer.countDown();
            hanging.stop(0);
        }
    }

    @Test
    void backlogs_for_receivers_that_do_not_answer_take_only_their_shares_of_the_room_and_others_go_out_first()
            throws Exception {
        World.Tenant first = World.tenant();
        World.Tenant second = World.tenant();
        World.Tenant other = World.tenant();
        CountDownLatch answer = new CountDownLatch(1);
        java.util.Map<String, AtomicInteger> open = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger mostOpen = new AtomicInteger();
        AtomicInteger allOpen = new AtomicInteger();
        HttpServer hanging = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        hanging.setExecutor(Executors.newCachedThreadPool());
        hanging.createContext("/hook", exchange -> {
            AtomicInteger mine = open.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new AtomicInteger());
            mine.incrementAndGet();
            mostOpen.accumulateAndGet(allOpen.incrementAndGet(), Math::max);
            try {
                answer.await(40, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            mine.decrementAndGet();
            allOpen.decrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        hanging.start();
        String base = "http://127.0.0.1:" + hanging.getAddress().getPort() + "/hook/";
        int backlog = 300;
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            setWebhook(first, base + "first", "[\"job.started\"]").statusCode(200);
            setWebhook(second, base + "second", "[\"job.started\"]").statusCode(200);
            receiver.secret = setWebhook(other, receiver.url(), "[\"job.started\"]").statusCode(200).extract()
                    .path("secret");
            // A burst of one tenant's events, then of another's, each to a receiver that holds every post open: with
            // the oldest due sent first they would fill every place in flight, and with a fixed share each the two
            // would; the third tenant's event, due once they are open, would wait for the timeout.
            backlog(first, backlog, 0);
            untilOpen(open, "/hook/first", 64);
            backlog(second, backlog, backlog);
            untilOpen(open, "/hook/second", 32);
            platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, "
                    + "attempts, next_attempt_at, created_at) values ($1, $2, gen_random_uuid(), 'job.started', "
                    + "'{\"type\":\"job.started\",\"n\":1}', 'PENDING', 0, now(), now())",
                    id(Instant.now(), 2 * backlog), UUID.fromString(other.id()));
            assertEquals("job.started", untilEvents(receiver, 1).get(0).getString("type"));
            for (World.Tenant t : List.of(first, second)) {
                assertEquals(0, platformCount("select count(*) from webhook_attempts where tenant_id = $1",
                        UUID.fromString(t.id())), "none of the hanging receivers' posts has an answer yet");
            }
            answer.countDown();
            for (World.Tenant t : List.of(first, second)) {
                UUID tenant = UUID.fromString(t.id());
                assertEquals(backlog, untilCount(DELIVERED, tenant, backlog, Duration.ofSeconds(60)),
                        "answered at last, the whole backlog is delivered");
                assertEquals(backlog, platformCount("select count(*) from webhook_attempts where tenant_id = $1",
                        tenant), "each once");
            }
            // The first tenant alone had half the room (128), the second half of what was left (64).
            assertTrue(mostOpen.get() <= 128 + 64, "at most their shares in flight at once: " + mostOpen.get());
        } finally {
            answer.countDown();
            hanging.stop(0);
        }
    }

    @Test
    void a_receiver_that_fails_every_try_is_paused_its_backlog_keeps_its_tries_and_all_go_out_once_it_takes_one()
            throws Exception {
        World.Tenant down = World.tenant();
        World.Tenant other = World.tenant();
        int backlog = 40;
        UUID tenant = UUID.fromString(down.id());
        try (WebhookReceiver failing = new WebhookReceiver(Integer.MAX_VALUE);
             WebhookReceiver receiver = new WebhookReceiver(0)) {
            failing.secret = setWebhook(down, failing.url(), "[\"job.started\"]").statusCode(200).extract()
                    .path("secret");
            receiver.secret = setWebhook(other, receiver.url(), "[\"job.started\"]").statusCode(200).extract()
                    .path("secret");
            status(down).body("state", equalTo("UNTRIED")).body("failuresInARow", equalTo(0))
                    .body("pending", equalTo(0)).body("url", equalTo(failing.url()));
            // A backlog to a receiver that answers 500 to everything. Tests retry after 0.2 s, 0.4 s, and give up after
            // 3 tries: without the pause every delivery would be FAILED within about a second.
            backlog(down, backlog, 0);
            String attempts = "select count(*) from webhook_attempts where tenant_id = $1";
            untilCount(attempts, tenant, backlog, Duration.ofSeconds(30));
            sleep(3_000);
            // Paused after the first round's failures: the probes (after 0.5 s, 1 s, 2 s: tests' first pause is
            // 0.5 s) are the only tries since, each on another delivery, and none has used up its tries.
            long tried = platformCount(attempts, tenant);
            assertTrue(tried >= backlog && tried <= backlog + 4, "the first round and a few probes: " + tried);
            assertEquals(0, platformCount("select count(*) from webhook_deliveries where tenant_id = $1 and state = "
                    + "'FAILED'", tenant), "the paused receiver's deliveries keep their tries");
            // Its status says so, from the tries logged: every try failed with a 500, the backlog waits.
            long triedBefore = platformCount(attempts, tenant);
            JsonPath failingNow = status(down).body("state", equalTo("FAILING")).extract().jsonPath();
            long failures = failingNow.getLong("failuresInARow");
            assertTrue(failures >= triedBefore && failures <= platformCount(attempts, tenant),
                    "every try failed (a probe may land meanwhile): " + failures);
            assertEquals(500, failingNow.getInt("lastFailure.statusCode"));
            assertNull(failingNow.get("lastDeliveredAt"));
            assertEquals(backlog, failingNow.getInt("pending"));
            assertNotNull(failingNow.get("oldestPendingAt"));
            // Another tenant's events are not held up by it.
            platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, "
                    + "attempts, next_attempt_at, created_at) values ($1, $2, gen_random_uuid(), 'job.started', "
                    + "'{\"type\":\"job.started\",\"n\":1}', 'PENDING', 0, now(), now())",
                    id(Instant.now(), 0), UUID.fromString(other.id()));
            untilEvents(receiver, 1);

            // The receiver is back: the next probe is taken, and the whole backlog goes out at once.
            failing.failures = 0;
            assertEquals(backlog, untilCount(DELIVERED, tenant, backlog, Duration.ofSeconds(60)),
                    "all delivered once the receiver takes a probe");
            assertEquals(backlog, failing.delivered.size(), "each event once");
            assertEquals(backlog, failing.delivered.stream().distinct().count());
            assertEquals(0, failing.badSignatures.get());
            JsonPath healthy = status(down).body("state", equalTo("HEALTHY")).body("failuresInARow", equalTo(0))
                    .body("pending", equalTo(0)).body("lastFailure.statusCode", equalTo(500)).extract().jsonPath();
            assertEquals(healthy.getString("lastTriedAt"), healthy.getString("lastDeliveredAt"));
        }
        // Only the tenant's admins (and platform admins) read it; another tenant's webhook is not found.
        given().auth().oauth2(down.member()).get("/api/v1/tenants/" + down.id() + "/webhook/status").then()
                .statusCode(403);
        given().auth().oauth2(other.admin()).get("/api/v1/tenants/" + down.id() + "/webhook/status").then()
                .statusCode(404);
        given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants/" + down.id() + "/webhook/status").then()
                .statusCode(200).body("state", equalTo("HEALTHY"));
    }

    /** The tenant's webhook status, as its admin reads it. */
    private static ValidatableResponse status(World.Tenant t) {
        return given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook/status").then()
                .statusCode(200);
    }

    @Test
    void events_of_a_type_the_webhook_no_longer_names_end_failed_unsent_when_it_is_set_and_when_sent_again()
            throws Exception {
        World.Tenant t = World.tenant();
        UUID tenant = UUID.fromString(t.id());
        int backlog = 20;
        try (WebhookReceiver down = new WebhookReceiver(Integer.MAX_VALUE)) {
            down.secret = setWebhook(t, down.url(), "[\"alert.raised\",\"job.started\"]").statusCode(200).extract()
                    .path("secret");
            // A receiver in an outage (paused after its first round) with a backlog of job events and one alert.
            backlog(t, backlog, 0);
            platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, "
                    + "attempts, next_attempt_at, created_at) values ($1, $2, gen_random_uuid(), 'alert.raised', "
                    + "'{\"type\":\"alert.raised\"}', 'PENDING', 0, now(), now())", id(Instant.now(), 100), tenant);
            untilCount("select count(*) from webhook_attempts where tenant_id = $1", tenant, backlog + 1,
                    Duration.ofSeconds(30));

            // The tenant stops job events, keeping its secret and URL.
            given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + down.url() + "\",\"events\":[\"alert.raised\"],\"keepSecret\":true}")
                    .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200)
                    .body("events", equalTo(List.of("alert.raised")));
            String reason = AlertRepository.unreceived("job.started");
            // At once, not when the receiver comes back: every job event ends FAILED, its reason the last attempt.
            assertEquals(backlog, platformCount("select count(*) from webhook_deliveries where tenant_id = $1 and "
                    + "event_type = 'job.started' and state = 'FAILED'", tenant));
            assertEquals(backlog, platformCount("select count(*) from webhook_deliveries d join webhook_attempts a "
                    + "on a.delivery_id = d.id and a.attempt = d.attempts where d.tenant_id = $1 and a.error = $2 "
                    + "and a.status_code is null", tenant, reason));
            assertEquals(0, platformCount("select count(*) from webhook_deliveries where tenant_id = $1 and "
                    + "event_type = 'alert.raised' and state = 'FAILED'", tenant), "the alert is still named");

            // The receiver is back: the alert goes out, and no job event.
            down.failures = 0;
            assertEquals(1, untilCount(DELIVERED, tenant, 1, Duration.ofSeconds(30)));
            assertEquals(1, down.bodies.size(), "only the alert: " + down.bodies);
            assertTrue(down.bodies.get(0).contains("alert.raised"), down.bodies.get(0));

            // Sent again by hand, a job event is still not sent while the webhook does not name the type.
            UUID jobEvent = platformIds("select id from webhook_deliveries where tenant_id = $1 and event_type = "
                    + "'job.started' order by id limit 1", tenant).get(0);
            int posts = down.posts.get();
            given().auth().oauth2(t.admin()).post("/api/v1/tenants/" + t.id() + "/webhook/deliveries/" + jobEvent
                    + "/redeliver").then().statusCode(200).body("state", equalTo("PENDING"));
            String failedAgain = "select count(*) from webhook_attempts where tenant_id = $1 and delivery_id = $2 "
                    + "and error = $3";
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (platformCount(failedAgain, tenant, jobEvent, reason) < 2 && Instant.now().isBefore(deadline)) {
                sleep(50);
            }
            assertEquals(2, platformCount(failedAgain, tenant, jobEvent, reason), "tried again, and not sent");
            assertEquals(1, platformCount("select count(*) from webhook_deliveries where id = $1 and state = "
                    + "'FAILED'", jobEvent));
            assertEquals(posts, down.posts.get(), "nothing posted");
            assertEquals(0, down.badSignatures.get());
            // Tries never sent say nothing of the receiver: the last one sent was the alert, delivered.
            status(t).body("state", equalTo("HEALTHY")).body("failuresInARow", equalTo(0));
            assertTrue(platformCount("select count(*) from webhook_attempts where tenant_id = $1 and not sent", tenant)
                    >= backlog + 1, "the unsent tries are logged as such");
        }
    }

    /** {@code n} events of the tenant's due now, ids from the {@code from}-th of this millisecond on. */
    private void backlog(World.Tenant t, int n, int from) {
        Instant now = Instant.now();
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id(now, from + i);
        }
        platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, attempts, "
                + "next_attempt_at, created_at) select d, $2, gen_random_uuid(), 'job.started', "
                + "'{\"type\":\"job.started\"}', 'PENDING', 0, now() - interval '1 minute', now() "
                + "from unnest($1::uuid[]) d", ids, UUID.fromString(t.id()));
    }

    /** Waits (at most 30 s) until the receiver has {@code n} posts to the path open, and checks it has. */
    private static void untilOpen(java.util.Map<String, AtomicInteger> open, String path, int n) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (open.getOrDefault(path, new AtomicInteger()).get() < n && Instant.now().isBefore(deadline)) {
            sleep(50);
        }
        assertTrue(open.get(path).get() >= n, path + " has " + open.get(path) + " posts open");
    }

    @Test
    void a_lease_takes_each_tenants_oldest_due_delivery_in_turn_not_one_tenants_backlog_first() {
        UUID busy = UUID.fromString(World.tenant().id());
        UUID light = UUID.fromString(World.tenant().id());
        Instant due = Instant.parse("2100-01-01T00:00:00Z");  // far ahead: the sender leaves these alone
        Instant now = Instant.now();
        List<UUID> busys = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            busys.add(id(now, i));
            platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, attempts, "
                    + "next_attempt_at, created_at) values ($1, $2, gen_random_uuid(), 'job.started', '{}', 'PENDING', "
                    + "0, $3, now())", busys.get(i), busy, due.plusSeconds(i).atOffset(java.time.ZoneOffset.UTC));
        }
        UUID lights = id(now, 5);
        platformSql("insert into webhook_deliveries (id, tenant_id, event_id, event_type, payload, state, attempts, "
                + "next_attempt_at, created_at) values ($1, $2, gen_random_uuid(), 'job.started', '{}', 'PENDING', 0, "
                + "$3, now())", lights, light, due.plusSeconds(60).atOffset(java.time.ZoneOffset.UTC));
        // Only these two tenants may lease (every other tenant's room is 0), three at most: the busy tenant's first,
        // the light tenant's, the busy tenant's second.
        List<UUID> leased = Blocking.await(() -> scoped.asPlatform(() -> alerts.leaseDue(due.plusSeconds(3600),
                due.plusSeconds(7200), 3, 0, java.util.Map.of(busy, 128, light, 128)))).stream()
                .map(AlertRepository.DeliveryRow::id).sorted().toList();
        assertEquals(List.of(busys.get(0), busys.get(1), lights), leased);
        // A tenant's room bounds its part of the lease.
        List<UUID> more = Blocking.await(() -> scoped.asPlatform(() -> alerts.leaseDue(due.plusSeconds(3600),
                due.plusSeconds(7200), 10, 0, java.util.Map.of(busy, 2)))).stream()
                .map(AlertRepository.DeliveryRow::id).sorted().toList();
        assertEquals(List.of(busys.get(2), busys.get(3)), more);
        platformSql("delete from webhook_deliveries where tenant_id = any($1::uuid[])", (Object) new UUID[] {busy,
                light});
    }

    @Test
    void events_that_are_none_or_not_known_are_refused_and_the_webhook_stays_as_it_was() {
        World.Tenant t = World.tenant();
        String hook = "/api/v1/tenants/" + t.id() + "/webhook";
        setWebhook(t, "https://hooks.example.com/a", "[\"job.failed\"]").statusCode(200);
        String before = given().auth().oauth2(t.admin()).get(hook).then().statusCode(200).extract().asString();
        setWebhook(t, "https://hooks.example.com/b", "[]").statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors[0].field", equalTo("events"))
                .body("detail", startsWith("`events` must be at least one event type"));
        setWebhook(t, "https://hooks.example.com/b", "[\"job.failed\",\"job.finished\"]").statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("events"))
                .body("detail", org.hamcrest.Matchers.containsString("'job.finished' is none"));
        setWebhook(t, "https://hooks.example.com/b", "[null]").statusCode(400).body("errors[0].field",
                equalTo("events"));
        setWebhook(t, "https://hooks.example.com/b", "\"job.failed\"").statusCode(400)
                .body("code", equalTo("INVALID_FIELD_TYPE")).body("errors[0].field", equalTo("events"));
        assertEquals(before, given().auth().oauth2(t.admin()).get(hook).then().statusCode(200).extract().asString(),
                "nothing changed");
    }

    @Test
    void event_deliveries_past_the_retention_go_with_their_attempts_and_alerts_and_pending_ones_stay() {
        World.Tenant t = World.tenant();
        UUID tenant = UUID.fromString(t.id());
        Instant old = Instant.now().minus(Duration.ofDays(40));
        UUID oldDelivered = id(old, 1);
        UUID oldPending = id(old, 2);  // its next try tomorrow: the worker leaves it alone meanwhile
        UUID oldOfAlert = id(old, 3);
        UUID recent = id(Instant.now().minus(Duration.ofDays(2)), 4);
        UUID alert = UUID.randomUUID();
        platformSql("insert into alerts (id, tenant_id, project_id, scope, measure, period, threshold, used, lim, "
                + "unit, raised_at) values ($1, $2, null, 'TENANT', 'BUDGET', '2026-10', 50, 1, 2, 'CNY', now())",
                alert, tenant);
        for (Object[] d : List.of(new Object[] {oldDelivered, null, "DELIVERED"}, new Object[] {oldPending, null,
                "PENDING"}, new Object[] {oldOfAlert, alert, "DELIVERED"}, new Object[] {recent, null, "FAILED"})) {
            platformSql("insert into webhook_deliveries (id, tenant_id, alert_id, event_id, event_type, payload, "
                    + "state, attempts, next_attempt_at, created_at) values ($1, $2, $3, $4, 'job.started', '{}', "
                    + "$5, 1, now() + interval '1 day', now())", d[0], tenant, d[1], UUID.randomUUID(), d[2]);
            platformSql("insert into webhook_attempts (delivery_id, attempt, tenant_id, at, url, status_code, error, "
                    + "duration_ms) values ($1, 1, $2, now(), 'https://hooks.example.com', 200, null, 5)", d[0],
                    tenant);
        }
        assertTrue(webhooks.pruneEvents() >= 1);
        assertEquals(List.of(oldPending, oldOfAlert, recent).stream().sorted().toList(), platformIds(
                "select id from webhook_deliveries where tenant_id = $1 order by id", tenant));
        assertEquals(0, platformCount("select count(*) from webhook_attempts where delivery_id = $1", oldDelivered));
        assertEquals(3, platformCount("select count(*) from webhook_attempts where tenant_id = $1", tenant));
        webhooks.pruneEvents();
        assertEquals(3, platformCount("select count(*) from webhook_deliveries where tenant_id = $1", tenant),
                "a second pass removes nothing more of the tenant's");
    }

    /** A version-7 id of the instant's millisecond, the n-th of it. */
    private static UUID id(Instant at, long n) {
        UUID first = city.myriad.platform.time.Ids.firstAt(at);
        return new UUID(first.getMostSignificantBits(), first.getLeastSignificantBits() + n);
    }

    private void platformSql(String sql, Object... args) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args)))).await().indefinitely();
    }

    private List<UUID> platformIds(String sql, Object... args) {
        List<UUID> ids = new java.util.ArrayList<>();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args)))).await().indefinitely()
                .forEach(r -> ids.add(r.getUUID(0)));
        return ids;
    }

    /** The bodies of the first {@code n} events the receiver accepted (at most 30 s: a wait, not a timing check). */
    private static List<JsonPath> untilEvents(WebhookReceiver receiver, int n) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (receiver.bodies.size() < n && Instant.now().isBefore(deadline)) {
            sleep(50);
        }
        assertTrue(receiver.bodies.size() >= n, "events delivered: " + receiver.bodies);
        return receiver.bodies.stream().map(JsonPath::from).toList();
    }

    /** Counts a tenant's deliveries DELIVERED. */
    private static final String DELIVERED = "select count(*) from webhook_deliveries where tenant_id = $1 and state = "
            + "'DELIVERED'";

    /**
     * The count {@code sql} gives for the tenant once it reaches {@code n}, or after {@code within} (a wait for the
     * sender, never a timing assertion: the caller asserts the count).
     */
    private long untilCount(String sql, UUID tenant, long n, Duration within) {
        Instant deadline = Instant.now().plus(within);
        long count = platformCount(sql, tenant);
        while (count < n && Instant.now().isBefore(deadline)) {
            sleep(50);
            count = platformCount(sql, tenant);
        }
        return count;
    }

    private long platformCount(String sql, Object... args) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args))))
                .map(rows -> rows.iterator().next().getLong(0)).await().indefinitely();
    }
}
