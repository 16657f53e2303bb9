package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * A refused bearer token gets a 401 that says why (so a caller can fix it), is refused locally (no call to the
 * identity provider, no ERROR line per bad token), and the answer helps no forger.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class BearerTokensTest {

    static final String ME = "/api/v1/me";

    @Test
    void no_token_says_how_to_send_one() {
        given().get(ME).then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("UNAUTHENTICATED")).body("detail", containsString("Authorization: Bearer"))
                .header("WWW-Authenticate", equalTo("Bearer realm=\"myriad\""));
    }

    @Test
    void an_expired_token_says_it_expired() {
        String token = claims().issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(3600))
                .jws().keyId("1").sign("privateKey.jwk");
        given().auth().oauth2(token).get(ME).then().statusCode(401).body("detail", containsString("expired"))
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""));
    }

    @Test
    void a_token_from_another_address_of_keycloak_says_the_issuer_is_wrong() {
        String token = claims().issuer("http://127.0.0.1:8180/realms/myriad").jws().keyId("1").sign("privateKey.jwk");
        given().auth().oauth2(token).get(ME).then().statusCode(401).body("detail", containsString("issuer"));
    }

    @Test
    void a_token_for_another_audience_says_so() {
        String token = claims().audience("account").jws().keyId("1").sign("privateKey.jwk");
        given().auth().oauth2(token).get(ME).then().statusCode(401).body("detail", containsString("audience"));
    }

    @Test
    void forged_and_unknown_key_tokens_are_refused_locally_without_error_lines() throws Exception {
        List<LogRecord> errors = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errors.add(r);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try {
            java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            java.security.PrivateKey stranger = rsa.generateKeyPair().getPrivate();
            for (int i = 0; i < 20; i++) {
                String unknownKid = claims().jws().keyId("kid-" + i).sign(stranger);
                given().auth().oauth2(unknownKid).get(ME).then().statusCode(401)
                        .body("detail", containsString("does not verify"));
            }
            String[] parts = claims().jws().keyId("1").sign("privateKey.jwk").split("\\.");
            String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    "{\"sub\":\"sub-admin\",\"realm_access\":{\"roles\":[\"platform-admin\"]}}".getBytes()) + "." + parts[2];
            given().auth().oauth2(tampered).get(ME).then().statusCode(401).body("detail", containsString("does not verify"));
        } finally {
            root.removeHandler(capture);
        }
        assertEquals(List.of(), errors.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList(),
                "bad tokens are the caller's problem: no ERROR lines");
    }

    private static JwtClaimsBuilder claims() {
        return Jwt.preferredUserName("alice").subject("sub-alice").issuer("https://server.example.com")
                .audience("myriad-api").claim("realm_access", Map.of("roles", List.of("tenant-admin")))
                .claim("tenant", "acme").expiresIn(600);
    }
}
