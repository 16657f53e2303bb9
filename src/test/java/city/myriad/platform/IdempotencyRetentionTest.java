package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import city.myriad.platform.idempotency.IdempotencyRetention;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Idempotency keys are kept for the retention (7 days), then removed; a key sent after that is a new request. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class IdempotencyRetentionTest {

    static final String PROJECTS = "/api/v1/tenants/" + DemoData.GLOBEX + "/projects";

    @Inject
    IdempotencyRetention retention;

    @Inject
    Pool pool;

    static Response create(String key, String body) {
        return given().auth().oauth2(Tokens.bob()).contentType("application/json").header("Idempotency-Key", key)
                .body(body).post(PROJECTS);
    }

    long sql(String statement, String key) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                        .chain(() -> c.preparedQuery(statement).execute(Tuple.of(key))))
                .map(rows -> statement.startsWith("select") ? rows.iterator().next().getLong(0) : rows.rowCount())
                .await().indefinitely();
    }

    @Test
    void keys_older_than_the_retention_are_removed_and_younger_ones_still_replay() {
        String old = UUID.randomUUID().toString();
        String young = UUID.randomUUID().toString();
        String oldBody = "{\"slug\":\"kept-" + old.substring(0, 8) + "\",\"name\":\"Old key\"}";
        String youngBody = "{\"slug\":\"kept-" + young.substring(0, 8) + "\",\"name\":\"Young key\"}";
        create(old, oldBody).then().statusCode(201);
        create(young, youngBody).then().statusCode(201);
        assertEquals(1, sql("update idempotency_records set created_at = now() - interval '7 days 1 minute' "
                + "where idempotency_key = $1", old));
        // Just inside the retention: kept.
        assertEquals(1, sql("update idempotency_records set created_at = now() - interval '6 days 23 hours' "
                + "where idempotency_key = $1", young));

        assertTrue(retention.prune() >= 1);
        assertEquals(0, sql("select count(*) from idempotency_records where idempotency_key = $1", old));
        assertEquals(1, sql("select count(*) from idempotency_records where idempotency_key = $1", young));

        // The young key replays its first answer; the old one is a new request (here refused: the slug is taken).
        create(young, youngBody).then().statusCode(201).header("Idempotent-Replayed", "true");
        create(old, oldBody).then().statusCode(409).body("code", equalTo("PROJECT_SLUG_TAKEN"));
    }
}
