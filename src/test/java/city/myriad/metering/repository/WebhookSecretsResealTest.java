package city.myriad.metering.repository;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.WebhookSecretsReseal;
import city.myriad.platform.crypto.SecretSeal;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A rotation of the sealing key: webhook secrets sealed under the previous key are sealed again under the current
 * one by the sweep, and keep signing as before; where the previous key is not configured they are left as stored.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class WebhookSecretsResealTest {

    /** The key before the rotation (the test's configured key is the one after it). */
    static final String OLD_KEY = Base64.getEncoder().encodeToString(
            "an-old-key-rotated-out-of-service".substring(0, 32).getBytes());

    @Inject
    Pool pool;

    @Inject
    Scoped scoped;

    @Inject
    WebhookSecretsReseal reseal;

    @ConfigProperty(name = "myriad.secrets.key")
    String currentKey;

    @Test
    void secrets_sealed_under_the_previous_key_are_sealed_again_under_the_current_one_and_keep_signing()
            throws Exception {
        World.Tenant t = World.tenant();
        World.Tenant untouched = World.tenant();
        UUID tenant = UUID.fromString(t.id());
        String place = "webhook/" + tenant;
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            given().auth().oauth2(t.admin()).contentType("application/json").body("{\"url\":\"" + receiver.url()
                    + "\"}").put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200);
            given().auth().oauth2(untouched.admin()).contentType("application/json").body("{\"url\":\""
                    + receiver.url() + "\"}").put("/api/v1/tenants/" + untouched.id() + "/webhook").then()
                    .statusCode(200);
            String untouchedBefore = stored(UUID.fromString(untouched.id()));
            // As the service stored them before the rotation: the secret and an earlier one still signing, sealed
            // under the old key.
            SecretSeal old = new SecretSeal(Optional.of(OLD_KEY), Optional.empty());
            String current = "whsec_current-secret-of-the-rotation-test";
            String earlier = "whsec_earlier-secret-of-the-rotation-test";
            String ends = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
            platformSql("update webhooks set secret = $2, earlier_secrets = cast(cast($3 as text) as jsonb) "
                    + "where tenant_id = $1",
                    tenant, old.seal(current, place), "[{\"secret\":\"" + old.seal(earlier, place)
                            + "\",\"endsAt\":\"" + ends + "\"}]");
            String before = stored(tenant);

            // The service started without the old key among its previous keys: the secrets do not open; the sweep
            // leaves them as stored, and seals the others' as they were.
            assertFalse(reseal.reseal().contains(tenant));
            assertEquals(before, stored(tenant));

            // With the old key among the previous ones, the sweep seals both again under the current key, once.
            AlertRepository rotated = new AlertRepository(new SecretSeal(Optional.of(currentKey),
                    Optional.of(List.of(OLD_KEY))));
            List<UUID> resealed = Blocking.await(() -> scoped.asPlatform(rotated::resealWebhooks));
            assertTrue(resealed.contains(tenant), resealed.toString());
            assertFalse(resealed.contains(UUID.fromString(untouched.id())), "already under the current key");
            assertEquals(untouchedBefore, stored(UUID.fromString(untouched.id())));
            String after = stored(tenant);
            String keyId = new SecretSeal(Optional.of(currentKey), Optional.empty()).seal("x", "y").substring(0, 19);
            assertTrue(after.startsWith(keyId) && after.contains("\"secret\": \"" + keyId), after);
            assertFalse(after.contains(current.substring(6)) || after.contains(earlier.substring(6)), after);
            assertFalse(Blocking.await(() -> scoped.asPlatform(rotated::resealWebhooks)).contains(tenant),
                    "nothing more to do");

            // The service, with only the current key, signs with both secrets: the receiver holding either accepts.
            receiver.secret = current;
            given().auth().oauth2(t.admin()).post("/api/v1/tenants/" + t.id() + "/webhook/test").then()
                    .statusCode(200).body("delivered", equalTo(true));
            receiver.secret = earlier;
            given().auth().oauth2(t.admin()).post("/api/v1/tenants/" + t.id() + "/webhook/test").then()
                    .statusCode(200).body("delivered", equalTo(true));
            assertEquals(0, receiver.badSignatures.get());
        }
    }

    /** The webhook's stored secret and earlier secrets, as one string. */
    private String stored(UUID tenant) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                        .chain(() -> c.preparedQuery("select secret || ' ' || earlier_secrets::text from webhooks "
                                + "where tenant_id = $1").execute(Tuple.of(tenant))))
                .map(rows -> rows.iterator().next().getString(0)).await().indefinitely();
    }

    private void platformSql(String sql, Object... args) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(sql).execute(Tuple.from(args)))).await().indefinitely();
    }
}
