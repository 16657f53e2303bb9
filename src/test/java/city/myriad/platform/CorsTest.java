package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

/**
 * The portal calls the API from its own origin (the test profile's {@code https://portal.myriad.test}): its
 * preflight is answered with the methods and headers the API takes, its answers carry the headers a client reads
 * (Location of a creation, Idempotent-Replayed), even on errors; a page of another origin gets none of them, so
 * its browser keeps the answer from it. Clients that send no Origin (servers, curl, the SDKs) are not concerned.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class CorsTest {

    static final String PORTAL = "https://portal.myriad.test";

    @Test
    void the_portal_preflight_is_answered_with_the_methods_and_headers_the_api_takes() {
        given().header("Origin", PORTAL).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
                .options("/api/v1/tenants/" + DemoData.ACME + "/projects")
                .then().statusCode(204)
                .header("Access-Control-Allow-Origin", PORTAL)
                .header("Access-Control-Allow-Methods", containsString("POST"))
                .header("Access-Control-Allow-Headers", containsString("Idempotency-Key"))
                // A page may name its request and join its trace (docs/deployment.md, "Tracing").
                .header("Access-Control-Allow-Headers", containsString("X-Request-Id"))
                .header("Access-Control-Allow-Headers", containsString("traceparent"))
                .header("Access-Control-Max-Age", "600");
    }

    @Test
    void the_portal_reads_the_location_and_replay_headers_of_a_creation() {
        String key = "cors-" + System.nanoTime();
        given().auth().oauth2(Tokens.alice()).header("Origin", PORTAL).header("Idempotency-Key", key)
                .contentType("application/json").body("{\"slug\": \"cors-" + (System.nanoTime() % 100000) + "\", \"name\": \"From the portal\"}")
                .post("/api/v1/tenants/" + DemoData.ACME + "/projects")
                .then().statusCode(201)
                .header("Access-Control-Allow-Origin", PORTAL)
                .header("Access-Control-Expose-Headers", containsString("Location"))
                .header("Access-Control-Expose-Headers", containsString("Idempotent-Replayed"))
                .header("Access-Control-Expose-Headers", containsString("RateLimit-Policy"))
                .header("Access-Control-Allow-Credentials", nullValue());
    }

    @Test
    void a_page_of_another_origin_gets_no_cors_headers_and_errors_keep_their_problem_body() {
        given().auth().oauth2(Tokens.alice()).header("Origin", "https://evil.example").get("/api/v1/me")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue())
                .header("Vary", containsString("Origin"));
        given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "DELETE")
                .options("/api/v1/jobs").then().header("Access-Control-Allow-Origin", nullValue())
                .header("Access-Control-Allow-Methods", nullValue());
        given().header("Origin", PORTAL).get("/api/v1/me")
                .then().statusCode(401).contentType("application/problem+json")
                .header("Access-Control-Allow-Origin", PORTAL)
                .body("code", equalTo("UNAUTHENTICATED"));
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue())
                .body("username", equalTo("alice"));
    }
}
