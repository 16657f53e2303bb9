package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.platform.security.VerifiedTokens;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.smallrye.jwt.build.Jwt;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bearer token that OIDC verified is not verified again while it lives, and that shortcut never lets through
 * what OIDC would refuse: another token, a changed signature, an expired token.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class VerifiedTokensTest {

    static final String ME = "/api/v1/me";

    @Inject
    VerifiedTokens verified;

    @Test
    void a_remembered_token_answers_as_its_own_caller_on_every_request() {
        String alice = Tokens.alice();
        String bob = Tokens.bob();
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(alice).get(ME).then().statusCode(200).body("username", equalTo("alice"))
                    .body("subject", equalTo("sub-alice"));
            given().auth().oauth2(bob).get(ME).then().statusCode(200).body("username", equalTo("bob"))
                    .body("subject", equalTo("sub-bob"));
        }
        assertTrue(verified.isRemembered(alice));
        assertTrue(verified.isRemembered(bob));
    }

    @Test
    void a_remembered_token_with_another_signature_is_verified_and_refused() {
        String alice = Tokens.alice();
        given().auth().oauth2(alice).get(ME).then().statusCode(200);
        assertTrue(verified.isRemembered(alice));
        String[] parts = alice.split("\\.");
        char last = parts[2].charAt(10);
        String changed = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) + (last == 'A' ? 'B' : 'A')
                + parts[2].substring(11);
        given().auth().oauth2(changed).get(ME).then().statusCode(401).body("detail", containsString("does not verify"));
        assertEquals(false, verified.isRemembered(changed));
    }

    @Test
    void a_token_is_not_accepted_past_its_expiry_even_when_remembered() throws InterruptedException {
        Instant exp = Instant.now().plusSeconds(2);
        String shortLived = Jwt.preferredUserName("alice").subject("sub-alice").issuer("https://server.example.com")
                .audience("myriad-api").claim("realm_access", Map.of("roles", List.of("tenant-admin")))
                .claim("tenant", "acme").expiresAt(exp).jws().keyId("1").sign("privateKey.jwk");
        given().auth().oauth2(shortLived).get(ME).then().statusCode(200);
        assertTrue(verified.isRemembered(shortLived));
        while (!Instant.now().isAfter(exp.plusMillis(200))) {
            Thread.sleep(100);
        }
        given().auth().oauth2(shortLived).get(ME).then().statusCode(401).body("detail", containsString("expired"));
    }

    @Test
    void a_refused_token_is_not_remembered() {
        String expired = Jwt.preferredUserName("alice").subject("sub-alice").issuer("https://server.example.com")
                .audience("myriad-api").issuedAt(Instant.now().minusSeconds(7200))
                .expiresAt(Instant.now().minusSeconds(3600)).jws().keyId("1").sign("privateKey.jwk");
        given().auth().oauth2(expired).get(ME).then().statusCode(401);
        assertEquals(false, verified.isRemembered(expired));
    }
}
