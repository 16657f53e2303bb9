package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.MeteringWorker;
import city.myriad.metering.service.Webhooks;
import city.myriad.support.History;
import city.myriad.support.Tokens;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Budgets and GPU-hour limits against the meter: alerts at their thresholds, once per crossing, delivered signed
 * to a webhook (a real HTTP server on 127.0.0.1 that fails the first try), the STOP policy, and admission.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class AlertsTest {

    @Inject
    MeteringWorker worker;

    @Inject
    Pool pool;

    /** A monthly budget of 100.00 CNY for the tenant. */
    static void budgetOf100(World.Tenant t) {
        quotas(t, "{\"cards\":[],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}");
    }

    /** Points the tenant's webhook at the receiver; the signing secret, shown once. */
    static String setWebhook(World.Tenant t, WebhookReceiver receiver) {
        return given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"" + receiver.url() + "\"}").put("/api/v1/tenants/" + t.id() + "/webhook").then()
                .statusCode(200).extract().path("secret");
    }

    static List<Integer> sorted(List<Integer> values) {
        return values.stream().sorted().toList();
    }

    static void quotas(World.Tenant t, String body) {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body)
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
    }

    static JsonPath until(String token, String path, Predicate<JsonPath> done) {
        return MeteringTest.until(token, path, done);
    }

    static String node1(String cluster) {
        return MeteringTest.node1(cluster);
    }

    /** A start in this month, so the usage counts in the current period, and ending before now. */
    static Instant earlierThisMonth(long seconds) {
        Instant now = Instant.now();
        Instant start = now.minusSeconds(seconds + 60).truncatedTo(ChronoUnit.SECONDS);
        Instant monthStart = city.myriad.platform.time.Period.of(now).start();
        return start.isBefore(monthStart) ? monthStart : start;
    }

    @Test
    void a_webhook_that_does_not_name_alerts_gets_none_and_the_alert_is_still_raised() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        budgetOf100(t);
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + receiver.url() + "\",\"events\":[\"job.failed\"]}")
                    .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200)
                    .body("events", equalTo(List.of("job.failed")));
            Instant start = earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, start, start.plusSeconds(3600), 1200);
            worker.drain();
            worker.alertsNow();
            JsonPath alerts = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(List.of(50, 80), sorted(alerts.getList("items.threshold", Integer.class)));
            assertEquals(java.util.Arrays.asList(null, null), alerts.getList("items.delivery"),
                    "no delivery: the webhook did not ask for alerts");
            given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook/deliveries").then()
                    .statusCode(200).body("items.size()", equalTo(0));
            assertEquals(0, receiver.posts.get());
        }
    }

    @Test
    void budget_thresholds_raise_one_alert_each_delivered_signed_to_the_webhook_after_a_failed_try() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        budgetOf100(t);
        given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(404)
                .body("code", equalTo("WEBHOOK_NOT_FOUND"));
        try (WebhookReceiver receiver = new WebhookReceiver(1)) {
            given().auth().oauth2(t.member()).contentType("application/json").body("{\"url\":\"" + receiver.url() + "\"}")
                    .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(403);
            receiver.secret = setWebhook(t, receiver);
            assertTrue(receiver.secret.startsWith("whsec_"));
            given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200)
                    .body("url", equalTo(receiver.url())).body("secret", nullValue());

            // 8 cards for 1 h at 12.00: 96.00 of the 100.00 budget: 50% and 80% crossed, not 100%.
            Instant start = earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, start, start.plusSeconds(3600), 1200);
            worker.drain();
            for (int i = 0; i < 3; i++) {
                worker.alertsNow(); // however often the meter looks, a crossing raises one alert
            }
            JsonPath alerts = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().statusCode(200)
                    .extract().jsonPath();
            // Raised in one transaction (the same millisecond): newest first, in any order between them.
            assertEquals(List.of(50, 80), sorted(alerts.getList("items.threshold", Integer.class)));
            assertEquals(List.of("BUDGET", "BUDGET"), alerts.getList("items.measure"));
            assertEquals("CNY", alerts.getString("items[0].unit"));

            String log = "/api/v1/tenants/" + t.id() + "/webhook/deliveries";
            JsonPath deliveries = until(t.admin(), log, d -> d.getList("items.state").stream()
                    .allMatch("DELIVERED"::equals) && d.getList("items").size() == 2);
            int attempts = deliveries.getList("items.attempts", Integer.class).stream().mapToInt(Integer::intValue).sum();
            assertEquals(3, attempts, "one try failed (HTTP 500) and was retried");
            assertTrue(deliveries.getList("items.log.statusCode").toString().contains("500"));
            assertEquals(0, receiver.badSignatures.get(), "every delivery carries a valid signature");
            assertEquals(2, receiver.delivered.size());
            assertEquals(2, receiver.delivered.stream().distinct().count(), "each alert delivered once");

            // Another 10.56: past 100%.
            Instant more = earlierThisMonth(600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, more, more.plusSeconds(396), 1200);
            worker.drain();
            worker.alertsNow();
            List<Integer> all = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().statusCode(200)
                    .extract().jsonPath().getList("items.threshold", Integer.class);
            assertEquals(100, all.get(0), "the newest first");
            assertEquals(List.of(50, 80, 100), sorted(all));
            until(t.admin(), log, d -> d.getList("items").size() == 3 && d.getList("items.state").stream()
                    .allMatch("DELIVERED"::equals));
            assertEquals(3, receiver.delivered.size());
            String period = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().extract().path("items[0].period");
            given().auth().oauth2(t.viewer()).get("/api/v1/alerts?period=" + period).then().statusCode(200)
                    .body("items.size()", equalTo(3));
            given().auth().oauth2(t.viewer()).get("/api/v1/alerts?period=2020-01").then().statusCode(200)
                    .body("items.size()", equalTo(0));
            // These are the tenant's own budget's alerts: none is of the project.
            given().auth().oauth2(t.viewer()).get("/api/v1/alerts?projectId=" + t.projectId()).then().statusCode(200)
                    .body("items.size()", equalTo(0));
            given().auth().oauth2(t.viewer()).get("/api/v1/alerts?period=2026-13").then().statusCode(400)
                    .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("period"));
            given().auth().oauth2(t.viewer()).get("/api/v1/alerts?projectId=" + World.tenant().projectId()).then()
                    .statusCode(404).body("code", equalTo("PROJECT_NOT_FOUND"));
            given().auth().oauth2(t.admin()).get(log + "?state=DELIVERED").then().statusCode(200)
                    .body("items.size()", equalTo(3));
            given().auth().oauth2(t.admin()).get(log + "?state=FAILED").then().statusCode(200)
                    .body("items.size()", equalTo(0));
            given().auth().oauth2(t.admin()).get(log + "?state=delivered").then().statusCode(400)
                    .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("state"));

            // Admission reads the same meter: 106.56 spent, nothing more may start.
            given().auth().oauth2(t.member()).contentType("application/json")
                    .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                            + "\"ASCEND-910B\",\"cards\":1,\"class\":\"SPOT\",\"maxRunSeconds\":60}")
                    .post("/api/v1/jobs").then().statusCode(422).body("code", equalTo("BUDGET_EXCEEDED"));
        }
        World.Tenant other = World.tenant();
        assertEquals(List.of(), given().auth().oauth2(other.admin()).get("/api/v1/alerts").then().statusCode(200)
                .extract().path("items"), "another tenant sees none of them");
        given().auth().oauth2(other.admin()).get("/api/v1/tenants/" + t.id() + "/webhook/deliveries").then()
                .statusCode(404);
    }

    @Test
    void a_failed_delivery_is_sent_again_on_request_with_a_new_round_of_tries() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        budgetOf100(t);
        String log = "/api/v1/tenants/" + t.id() + "/webhook/deliveries";
        try (WebhookReceiver receiver = new WebhookReceiver(Integer.MAX_VALUE)) {
            // No webhook yet: nothing to send to.
            given().auth().oauth2(t.admin()).post(log + "/" + java.util.UUID.randomUUID() + "/redeliver").then()
                    .statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
            receiver.secret = setWebhook(t, receiver);
            // 96.00 of the 100.00 budget: the 50% and 80% alerts, each delivery failing its 3 tries (the test
            // profile's budget) against a receiver that is down.
            Instant start = earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, start, start.plusSeconds(3600), 1200);
            worker.drain();
            worker.alertsNow();
            JsonPath failed = until(t.admin(), log, d -> d.getList("items").size() == 2
                    && d.getList("items.state").stream().allMatch("FAILED"::equals));
            assertEquals(List.of(3, 3), failed.getList("items.attempts", Integer.class));
            String id = failed.getString("items[0].id");
            String other = failed.getString("items[1].id");

            // The receiver is fixed; the tenant asks for one delivery again.
            receiver.failures = 0;
            given().auth().oauth2(t.member()).post(log + "/" + id + "/redeliver").then().statusCode(403);
            World.Tenant stranger = World.tenant();
            given().auth().oauth2(stranger.admin()).post(log + "/" + id + "/redeliver").then().statusCode(404)
                    .body("code", equalTo("TENANT_NOT_FOUND"));
            given().auth().oauth2(stranger.admin()).contentType("application/json")
                    .body("{\"url\":\"" + receiver.url() + "\"}").put("/api/v1/tenants/" + stranger.id() + "/webhook")
                    .then().statusCode(200);
            given().auth().oauth2(stranger.admin()).post("/api/v1/tenants/" + stranger.id() + "/webhook/deliveries/"
                    + id + "/redeliver").then().statusCode(404).body("code", equalTo("WEBHOOK_DELIVERY_NOT_FOUND"));
            given().auth().oauth2(t.admin()).post(log + "/" + id + "/redeliver").then().statusCode(200)
                    .body("id", equalTo(id)).body("state", equalTo("PENDING")).body("attempts", equalTo(3))
                    .body("redeliveredBy", equalTo(t.slug() + "-admin")).body("log.size()", equalTo(3));
            JsonPath after = until(t.admin(), log + "?state=DELIVERED", d -> d.getList("items").size() == 1);
            assertEquals(id, after.getString("items[0].id"));
            assertEquals(4, after.getInt("items[0].attempts"), "the log goes on: three failed tries, then one");
            assertEquals(List.of(500, 500, 500, 200), after.getList("items[0].log.statusCode", Integer.class));
            assertEquals(1, receiver.delivered.size());
            assertEquals(0, receiver.badSignatures.get());
            given().auth().oauth2(t.admin()).get(log + "?state=FAILED").then().statusCode(200)
                    .body("items.size()", equalTo(1)).body("items[0].id", equalTo(other))
                    .body("items[0].redeliveredAt", nullValue());

            // A DELIVERED one may be sent again too (the receiver lost it); the event id stays the alert's.
            given().auth().oauth2(t.admin()).post(log + "/" + id + "/redeliver").then().statusCode(200)
                    .body("state", equalTo("PENDING"));
            until(t.admin(), log + "?state=DELIVERED", d -> d.getList("items").size() == 1
                    && d.getInt("items[0].attempts") == 5);
            assertEquals(2, receiver.delivered.size());
            assertEquals(1, receiver.delivered.stream().distinct().count(), "the same event, twice");

            // A new round of tries: down again, the other delivery fails its own 3 tries once more, not one.
            receiver.failures = Integer.MAX_VALUE;
            given().auth().oauth2(t.admin()).post(log + "/" + other + "/redeliver").then().statusCode(200);
            JsonPath again = until(t.admin(), log + "?state=FAILED", d -> d.getList("items").size() == 1
                    && d.getInt("items[0].attempts") == 6);
            assertEquals(6, again.getList("items[0].log").size());
            // Asking again while it is PENDING changes nothing (no second round, no earlier try: a PENDING delivery
            // may be leased and being sent by a replica right now).
            JsonPath first = given().auth().oauth2(t.admin()).post(log + "/" + other + "/redeliver").then()
                    .statusCode(200).body("state", equalTo("PENDING")).extract().jsonPath();
            given().auth().oauth2(t.admin()).post(log + "/" + other + "/redeliver").then().statusCode(200)
                    .body("state", equalTo("PENDING"))
                    .body("redeliveredAt", equalTo(first.getString("redeliveredAt")));
            JsonPath once = until(t.admin(), log + "?state=FAILED", d -> d.getList("items").size() == 1
                    && d.getInt("items[0].attempts") >= 9);
            assertEquals(9, once.getInt("items[0].attempts"), "one more round of 3 tries, not two");
            // Fixed again: delivered at its next round's first try.
            receiver.failures = 0;
            given().auth().oauth2(t.admin()).post(log + "/" + other + "/redeliver").then().statusCode(200);
            JsonPath done = until(t.admin(), log + "?state=DELIVERED", d -> d.getList("items").size() == 2);
            int otherIndex = done.getString("items[0].id").equals(other) ? 0 : 1;
            assertEquals(10, done.getInt("items[" + otherIndex + "].attempts"));
        }
        given().auth().oauth2(t.admin()).post(log + "/not-an-id/redeliver").then().statusCode(400)
                .body("code", equalTo("INVALID_ID"));
    }

    @Test
    void a_webhook_is_replaced_or_removed_with_if_match_only_as_it_was_read() throws Exception {
        World.Tenant t = World.tenant();
        String hook = "/api/v1/tenants/" + t.id() + "/webhook";
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            String body = "{\"url\":\"" + receiver.url() + "\"}";
            given().auth().oauth2(t.admin()).contentType("application/json").header("If-Match", "*").body(body)
                    .put(hook).then().statusCode(412).body("code", equalTo("PRECONDITION_FAILED"));
            given().auth().oauth2(t.admin()).get(hook).then().statusCode(404);  // nothing was created

            given().auth().oauth2(t.admin()).contentType("application/json").body(body).put(hook).then().statusCode(200);
            String read = given().auth().oauth2(t.admin()).get(hook).then().statusCode(200).extract().header("ETag");
            given().auth().oauth2(t.admin()).contentType("application/json").header("If-Match", read).body(body)
                    .put(hook).then().statusCode(200);
            String now = given().auth().oauth2(t.admin()).get(hook).then().statusCode(200).extract().header("ETag");
            given().auth().oauth2(t.admin()).contentType("application/json").header("If-Match", read).body(body)
                    .put(hook).then().statusCode(412).header("ETag", now);
            given().auth().oauth2(t.admin()).header("If-Match", read).delete(hook).then().statusCode(412)
                    .body("code", equalTo("PRECONDITION_FAILED"));
            given().auth().oauth2(t.admin()).get(hook).then().statusCode(200).header("ETag", now);
            given().auth().oauth2(t.admin()).header("If-Match", now).delete(hook).then().statusCode(204);
            given().auth().oauth2(t.admin()).get(hook).then().statusCode(404);
        }
    }

    @Test
    void a_removed_webhook_gets_no_more_deliveries_and_those_pending_fail_with_the_reason() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        budgetOf100(t);
        String hook = "/api/v1/tenants/" + t.id() + "/webhook";
        String log = hook + "/deliveries";
        given().auth().oauth2(t.admin()).delete(hook).then().statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
        try (WebhookReceiver receiver = new WebhookReceiver(Integer.MAX_VALUE)) {
            receiver.secret = setWebhook(t, receiver);
            given().auth().oauth2(t.member()).delete(hook).then().statusCode(403);
            given().auth().oauth2(World.tenant().admin()).delete(hook).then().statusCode(404)
                    .body("code", equalTo("TENANT_NOT_FOUND"));
            // 96.00 of 100.00: two alerts, each delivery failing its first try against a receiver that is down...
            Instant start = earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, start, start.plusSeconds(3600), 1200);
            worker.drain();
            worker.alertsNow();
            // ...then the webhook is removed: both end FAILED at their next try, the reason logged.
            given().auth().oauth2(t.admin()).delete(hook).then().statusCode(204);
            given().auth().oauth2(t.admin()).get(hook).then().statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
            JsonPath failed = until(t.admin(), log, d -> d.getList("items").size() == 2
                    && d.getList("items.state").stream().allMatch("FAILED"::equals));
            for (int i = 0; i < 2; i++) {
                List<String> errors = failed.getList("items[" + i + "].log.error");
                assertEquals("the tenant has no webhook any more", errors.get(errors.size() - 1), errors.toString());
            }
            given().auth().oauth2(t.admin()).post(log + "/" + failed.getString("items[0].id") + "/redeliver").then()
                    .statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));

            // Past 100%: the alert is raised and listed, with no delivery.
            Instant more = earlierThisMonth(600);
            History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster), 8, more, more.plusSeconds(396), 1200);
            worker.drain();
            worker.alertsNow();
            JsonPath alerts = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(100, alerts.getInt("items[0].threshold"));
            assertEquals(null, alerts.getString("items[0].delivery"), "raised without a webhook: no delivery");
            given().auth().oauth2(t.admin()).get(log).then().statusCode(200).body("items.size()", equalTo(2));

            // A webhook again, the receiver up: what failed meanwhile can be sent.
            receiver.failures = 0;
            receiver.secret = setWebhook(t, receiver);
            given().auth().oauth2(t.admin()).post(log + "/" + failed.getString("items[0].id") + "/redeliver").then()
                    .statusCode(200);
            until(t.admin(), log + "?state=DELIVERED", d -> d.getList("items").size() == 1);
            assertEquals(0, receiver.badSignatures.get(), "signed with the new secret");
        }
    }

    @Test
    void a_test_event_reaches_the_receiver_signed_and_its_answer_is_shown_without_storing_anything() throws Exception {
        World.Tenant t = World.tenant();
        String hook = "/api/v1/tenants/" + t.id() + "/webhook";
        given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(404)
                .body("code", equalTo("WEBHOOK_NOT_FOUND"));
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = setWebhook(t, receiver);
            given().auth().oauth2(t.member()).post(hook + "/test").then().statusCode(403);
            JsonPath sent = given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(200)
                    .body("eventType", equalTo("webhook.test")).body("url", equalTo(receiver.url()))
                    .body("delivered", equalTo(true)).body("statusCode", equalTo(200)).body("error", nullValue())
                    .extract().jsonPath();
            assertEquals(List.of(sent.getString("eventId")), receiver.delivered, "the event id is the header's");
            assertEquals(0, receiver.badSignatures.get(), "signed as every delivery is");
            receiver.failures = Integer.MAX_VALUE;
            given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(200)
                    .body("delivered", equalTo(false)).body("statusCode", equalTo(500));
            given().auth().oauth2(t.admin()).get(hook + "/deliveries").then().statusCode(200)
                    .body("items.size()", equalTo(0));
        }
        // Nobody listens there any more: not reached, and why.
        given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(200)
                .body("delivered", equalTo(false)).body("statusCode", nullValue())
                .body("error", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
        // Three sent so far (the refusal for want of a webhook does not count): the fourth and fifth of the minute
        // are taken, the sixth is refused with when to try again.
        given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(200);
        given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(200);
        String wait = given().auth().oauth2(t.admin()).post(hook + "/test").then().statusCode(429)
                .contentType("application/problem+json").body("code", equalTo("WEBHOOK_TEST_RATE_LIMITED"))
                .extract().header("Retry-After");
        assertTrue(Integer.parseInt(wait) >= 1 && Integer.parseInt(wait) <= 61, wait);
        // Per tenant: another tenant's tests are not held back by these.
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.admin()).post("/api/v1/tenants/" + other.id() + "/webhook/test").then()
                .statusCode(404).body("code", equalTo("WEBHOOK_NOT_FOUND"));
    }

    @Test
    void at_a_used_up_budget_with_the_stop_policy_running_on_demand_jobs_are_stopped() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        quotas(t, "{\"cards\":[],\"budget\":{\"amountMinor\":100000,\"currency\":\"CNY\",\"period\":\"MONTH\"},"
                + "\"onBudgetExhausted\":\"STOP\"}");
        // 8 cards x 10 h x 12.00 = 960.00 projected: within 1000.00. It runs 60 s here (speed-up 600).
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":36000}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        until(t.member(), "/api/v1/jobs/" + job, j -> "RUNNING".equals(j.getString("state")));
        // 1,056.00 CNY billed this month (11 h of 8 cards at 12.00, priced into the hour before now): past the
        // budget. Ended in the past and inside this month on any day, also in a month's first hour.
        Instant start = earlierThisMonth(3600);
        Instant now = Instant.now();
        Instant end = start.plusSeconds(3600).isAfter(now) ? now : start.plusSeconds(3600);
        long seconds = Math.max(1, Duration.between(start, end).getSeconds());
        long unitPrice = (105_600L * 3600 + 8 * seconds - 1) / (8 * seconds);
        History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster) + "-x", 8, start, end, unitPrice);
        worker.drain();
        worker.alertsNow();
        JsonPath stopped = until(t.member(), "/api/v1/jobs/" + job, j -> !"RUNNING".equals(j.getString("state")));
        assertEquals("CANCELLED", stopped.getString("state"));
        assertEquals("BUDGET_EXHAUSTED", stopped.getString("reason"));
        assertTrue(stopped.getLong("cost.amountMinor") > 0 || Duration.between(
                Instant.parse(stopped.getString("startedAt")), Instant.parse(stopped.getString("endedAt"))).getSeconds() < 1,
                "charged for the time it ran");
    }

    @Test
    void a_gpu_hour_limit_refuses_work_that_could_pass_it_and_raises_alerts() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        quotas(t, "{\"cards\":[],\"gpuHours\":{\"limit\":10,\"period\":\"MONTH\"},\"alertThresholds\":[25,75]}");
        String job = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                + "\"ASCEND-910B\",\"cards\":1,\"class\":\"SPOT\",\"maxRunSeconds\":%d}";
        // 1 card for up to 10 h: the whole limit, committed while it is queued or running (60 s here).
        given().auth().oauth2(t.member()).contentType("application/json").body(String.format(job, 36000))
                .post("/api/v1/jobs").then().statusCode(201);
        given().auth().oauth2(t.member()).contentType("application/json").body(String.format(job, 60))
                .post("/api/v1/jobs").then().statusCode(422).body("code", equalTo("QUOTA_EXCEEDED"));
        // The project's own limit, half the tenant's, with its own thresholds.
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[],\"gpuHours\":{\"limit\":5,\"period\":\"MONTH\"},\"alertThresholds\":[50]}")
                .put("/api/v1/tenants/" + t.id() + "/projects/" + t.projectId() + "/quotas").then().statusCode(200);
        Instant start = earlierThisMonth(3600);
        History.ran(pool, t.id(), t.projectId(), cluster, node1(cluster) + "-x", 8, start, start.plusSeconds(3600), 1200);
        worker.drain();
        worker.alertsNow();
        JsonPath alerts = given().auth().oauth2(t.admin()).get("/api/v1/alerts").then().statusCode(200).extract()
                .jsonPath();
        JsonPath ofProject = given().auth().oauth2(t.admin()).get("/api/v1/alerts?projectId=" + t.projectId()).then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(50), ofProject.getList("items.threshold", Integer.class), ofProject.prettify());
        assertEquals(List.of(t.projectId()), ofProject.getList("items.projectId"));
        assertTrue(alerts.getList("items.projectId").contains(null), "the tenant's own alerts are there too");
        assertTrue(alerts.getList("items.threshold", Integer.class).contains(75), alerts.prettify());
        assertEquals("GPU_HOURS", alerts.getString("items[0].measure"));
        assertEquals("GPU_HOURS", alerts.getString("items[0].unit"));
        given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200)
                .body("gpuHours.limit", equalTo(10)).body("alertThresholds", equalTo(List.of(25, 75)))
                .body("onBudgetExhausted", equalTo("FINISH"));
    }
}
