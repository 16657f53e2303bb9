package city.myriad.platform.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A change recorded by another replica is refused here once this one reads the records. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class TokenRevocationsTest {

    @Inject
    TokenRevocations revocations;

    @Inject
    Pool pool;

    @Test
    void a_change_another_replica_recorded_is_refused_after_the_next_read_and_only_for_tokens_issued_before_it() {
        String username = "r-" + UUID.randomUUID().toString().substring(0, 8);
        long now = System.currentTimeMillis() / 1000;
        String before = Tokens.issuedAt(now - 60, username, "acme", null, "tenant-member");
        given().auth().oauth2(before).get("/api/v1/me").then().statusCode(200);

        // Written as another replica's change would be, 30 s ago; this replica has not read it yet.
        pool.preparedQuery("insert into token_revocations (username, revoked_at) values ($1, now() - interval '30 "
                + "seconds')").execute(Tuple.of(username)).await().indefinitely();
        revocations.refresh();
        assertTrue(revocations.revoked(username, now - 60));
        assertFalse(revocations.revoked(username, now - 20), "issued after the change");
        assertFalse(revocations.revoked("someone-else", now - 60));
        given().auth().oauth2(before).get("/api/v1/me").then().statusCode(401);
        given().auth().oauth2(Tokens.issuedAt(now - 10, username, "acme", null, "tenant-member")).get("/api/v1/me")
                .then().statusCode(200);

        // Past the window (longer than any token lives) a record is no longer read.
        pool.preparedQuery("update token_revocations set revoked_at = now() - interval '25 hours' where username = $1")
                .execute(Tuple.of(username)).await().indefinitely();
        revocations.refresh();
        assertFalse(revocations.revoked(username, now - 60));
        assertTrue(revocations.prune() >= 1);
        assertEquals(0L, pool.preparedQuery("select count(*) from token_revocations where username = $1")
                .execute(Tuple.of(username)).await().indefinitely().iterator().next().getLong(0), "removed");
    }
}
