package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.MeteringWorker;
import city.myriad.support.History;
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
import org.junit.jupiter.api.Test;

/**
 * Rolling a webhook's signing secret with an overlap (rollWebhookSecret), and changing where it posts without a new
 * secret (setWebhook with keepSecret): a receiver that holds the old secret never rejects a delivery while the new one
 * is deployed. Receivers are real HTTP servers on 127.0.0.1 that check the signature as a receiver should (any v1).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class WebhookSecretsTest {

    @Inject
    MeteringWorker worker;

    @Inject
    Pool pool;

    static String hook(World.Tenant t) {
        return "/api/v1/tenants/" + t.id() + "/webhook";
    }

    /** A test event sent now; the receiver's answer. */
    static JsonPath test(World.Tenant t) {
        return given().auth().oauth2(t.admin()).post(hook(t) + "/test").then().statusCode(200)
                .body("delivered", equalTo(true)).extract().jsonPath();
    }

    static String last(java.util.List<String> values) {
        return values.get(values.size() - 1);
    }

    @Test
    void after_a_roll_deliveries_are_signed_by_both_secrets_until_the_old_one_ends_and_a_leak_stops_it_at_once()
            throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        AlertsTest.budgetOf100(t);
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            String a = AlertsTest.setWebhook(t, receiver);
            receiver.secret = a;
            given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200)
                    .body("previousSecretExpiresAt", nullValue());

            Instant before = Instant.now();
            JsonPath rolled = given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then().statusCode(200)
                    .body("url", equalTo(receiver.url())).body("previousSecretExpiresAt", notNullValue())
                    .extract().jsonPath();
            String b = rolled.getString("secret");
            assertTrue(b.startsWith("whsec_") && !b.equals(a), b);
            Instant ends = Instant.parse(rolled.getString("previousSecretExpiresAt"));
            assertFalse(ends.isBefore(before.plus(Duration.ofDays(1))), "a day by default: " + ends);
            assertFalse(ends.isAfter(Instant.now().plus(Duration.ofDays(1))), ends.toString());
            given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200).body("secret", nullValue())
                    .body("previousSecretExpiresAt", equalTo(rolled.getString("previousSecretExpiresAt")));

            // Sealed where they are stored: neither secret can be read from the database.
            String stored = pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)")
                    .execute().chain(() -> c.preparedQuery("select secret || ' ' || earlier_secrets::text from webhooks "
                            + "where tenant_id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(
                                    java.util.UUID.fromString(t.id())))))
                    .map(rows -> rows.iterator().next().getString(0)).await().indefinitely();
            assertTrue(stored.startsWith("sealed:v2:") && stored.contains("\"secret\": \"sealed:v2:"), stored);
            assertFalse(stored.contains(a.substring(6)) || stored.contains(b.substring(6)), stored);

            // The receiver still holds A: an alert's delivery is accepted, and carries B's signature too.
            Instant start = AlertsTest.earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, AlertsTest.node1(cluster), 8, start,
                    start.plusSeconds(3600), 1200);
            worker.drain();
            worker.alertsNow();
            AlertsTest.until(t.admin(), hook(t) + "/deliveries?state=DELIVERED", d -> d.getList("items").size() == 2);
            assertEquals(0, receiver.badSignatures.get(), "accepted with the old secret");
            assertEquals(2, WebhookReceiver.signatures(receiver.lastSignature), receiver.lastSignature);
            assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), b), "and the new one");

            // The new secret deployed: accepted as well.
            receiver.secret = b;
            test(t);
            assertEquals(0, receiver.badSignatures.get());

            // A leak: rolled with no overlap, only the newest signs; a receiver with B rejects the next event.
            String c = given().auth().oauth2(t.admin()).queryParam("previousSecretExpiresIn", 0)
                    .post(hook(t) + "/roll-secret").then().statusCode(200).body("previousSecretExpiresAt", nullValue())
                    .extract().path("secret");
            test(t);
            assertEquals(1, receiver.badSignatures.get(), "B no longer signs");
            assertEquals(1, WebhookReceiver.signatures(receiver.lastSignature), receiver.lastSignature);
            assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), c));
            given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200)
                    .body("previousSecretExpiresAt", nullValue());
        }
    }

    @Test
    void a_roll_retried_after_a_lost_answer_never_cuts_off_the_receivers_secret_and_if_match_refuses_it() {
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = AlertsTest.setWebhook(t, receiver);
            String read = given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200).extract().header("ETag");
            String b = given().auth().oauth2(t.admin()).header("If-Match", read).post(hook(t) + "/roll-secret").then()
                    .statusCode(200).extract().path("secret");
            // The same request again (its answer lost): refused, nothing rolled.
            given().auth().oauth2(t.admin()).header("If-Match", read).post(hook(t) + "/roll-secret").then()
                    .statusCode(412).contentType("application/problem+json").body("code", equalTo("PRECONDITION_FAILED"));
            // Without If-Match, rolled twice more: the receiver's secret, from before the first roll, still signs.
            given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then().statusCode(200);
            String d = given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then().statusCode(200)
                    .extract().path("secret");
            test(t);
            assertEquals(0, receiver.badSignatures.get(), "the original secret still signs");
            assertEquals(4, WebhookReceiver.signatures(receiver.lastSignature), receiver.lastSignature);
            assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), b));
            assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), d));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void rolls_at_once_each_keep_their_new_secret_signing_and_the_first_secret_too() throws Exception {
        World.Tenant t = World.tenant();
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = AlertsTest.setWebhook(t, receiver);
            String first = receiver.secret;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                java.util.List<java.util.concurrent.Future<String>> rolls = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    rolls.add(pool.submit(() -> given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then()
                            .statusCode(200).extract().<String>path("secret")));
                }
                java.util.List<String> secrets = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<String> roll : rolls) {
                    secrets.add(roll.get());
                }
                test(t);
                for (String secret : secrets) {
                    // Whichever order they ran in, none of the three started from the secrets another replaced.
                    assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), secret),
                            receiver.lastSignature);
                }
                assertTrue(WebhookReceiver.accepts(receiver.lastSignature, last(receiver.bodies), first));
                assertEquals(4, WebhookReceiver.signatures(receiver.lastSignature));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void a_roll_is_refused_clearly_for_bad_overlaps_without_a_webhook_and_to_others() {
        World.Tenant t = World.tenant();
        given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("WEBHOOK_NOT_FOUND"));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"http://127.0.0.1:9/hook\"}").put(hook(t)).then().statusCode(200);
        String tag = given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200).extract().header("ETag");
        for (String bad : new String[] {"-1", "604801", "1.5", "a day", "99999999999", "+5"}) {
            given().auth().oauth2(t.admin()).queryParam("previousSecretExpiresIn", bad).post(hook(t) + "/roll-secret")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("VALIDATION_FAILED"))
                    .body("errors[0].field", equalTo("previousSecretExpiresIn"));
        }
        given().auth().oauth2(t.member()).post(hook(t) + "/roll-secret").then().statusCode(403);
        given().auth().oauth2(World.tenant().admin()).post(hook(t) + "/roll-secret").then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));
        // Nothing of that changed the webhook.
        given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200).header("ETag", tag);
        given().auth().oauth2(t.admin()).queryParam("previousSecretExpiresIn", 604800).post(hook(t) + "/roll-secret")
                .then().statusCode(200);
    }

    @Test
    void keep_secret_moves_the_webhook_and_changes_its_events_signing_as_before() throws Exception {
        World.Tenant t = World.tenant();
        try (WebhookReceiver first = new WebhookReceiver(0); WebhookReceiver moved = new WebhookReceiver(0)) {
            // Without a webhook, keepSecret has no secret to keep: a new one, shown.
            String a = given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + first.url() + "\",\"keepSecret\":true}").put(hook(t)).then().statusCode(200)
                    .body("secret", notNullValue()).extract().path("secret");
            String b = given().auth().oauth2(t.admin()).post(hook(t) + "/roll-secret").then().statusCode(200)
                    .extract().path("secret");
            JsonPath kept = given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + moved.url() + "\",\"events\":[\"job.failed\",\"alert.raised\"],"
                            + "\"keepSecret\":true}")
                    .put(hook(t)).then().statusCode(200).body("secret", nullValue()).body("url", equalTo(moved.url()))
                    .body("events", equalTo(java.util.List.of("alert.raised", "job.failed")))
                    .body("previousSecretExpiresAt", notNullValue()).extract().jsonPath();
            given().auth().oauth2(t.admin()).get(hook(t)).then().statusCode(200)
                    .body("url", equalTo(moved.url())).body("updatedAt", equalTo(kept.getString("updatedAt")));
            moved.secret = a;
            test(t);
            assertEquals(0, moved.badSignatures.get(), "the old secret still signs at the new URL");
            assertTrue(WebhookReceiver.accepts(moved.lastSignature, last(moved.bodies), b), "and the current one");
            assertEquals(0, first.posts.get(), "nothing goes to the old URL");

            // Set again without keepSecret: a new secret, and the ones before stop at once.
            String c = given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + moved.url() + "\"}").put(hook(t)).then().statusCode(200)
                    .body("previousSecretExpiresAt", nullValue()).extract().path("secret");
            assertNotEquals(b, c);
            moved.secret = c;
            test(t);
            assertEquals(0, moved.badSignatures.get());
            assertEquals(1, WebhookReceiver.signatures(moved.lastSignature), moved.lastSignature);
            given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + moved.url() + "\",\"keepSecret\":\"perhaps\"}").put(hook(t)).then()
                    .statusCode(400).contentType("application/problem+json");
        }
    }
}
