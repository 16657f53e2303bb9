package city.myriad.platform.ratelimit;

import static city.myriad.support.Management.management;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * Each account has an allowance of requests: past it a request is refused with a 429 problem before anything is
 * done, the other tenants go on as before, and every metered answer says where the account stands. The test
 * profile gives the tenant {@code throttled} three requests at once and one more every 100 seconds.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class RateLimitsTest {

    @Test
    void every_metered_answer_says_where_the_account_stands() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200)
                .header("RateLimit-Policy", "\"account\";q=4000;w=2")
                .header("RateLimit", matchesPattern("\"account\";r=\\d+;t=\\d+"));
        given().get("/api/v1/me").then().statusCode(401).header("RateLimit", nullValue());
    }

    @Test
    void a_tenant_past_its_allowance_is_refused_loses_nothing_and_slows_no_other_tenant() {
        String tenant = given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"throttled\",\"name\":\"Throttled\"}").post("/api/v1/tenants").then()
                .statusCode(201).extract().path("id");
        String admin = Tokens.token("throttled-admin", "throttled", null, "tenant-admin");
        for (int left = 2; left >= 0; left--) {
            given().auth().oauth2(admin).get("/api/v1/me").then().statusCode(200)
                    .header("RateLimit-Policy", "\"account\";q=3;w=300")
                    .header("RateLimit", startsWith("\"account\";r=" + left + ";"));
        }
        Response refused = given().auth().oauth2(admin).get("/api/v1/me");
        refused.then().statusCode(429).contentType("application/problem+json").body("code", equalTo("RATE_LIMITED"))
                .body("status", equalTo(429)).body("requestId", not(nullValue()))
                .header("RateLimit", startsWith("\"account\";r=0;"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter > 90 && retryAfter <= 100, "a token every 100 s: " + retryAfter);

        // Another user of the same tenant spends from the same allowance.
        String member = Tokens.token("throttled-member", "throttled", null, "tenant-member");
        given().auth().oauth2(member).get("/api/v1/me").then().statusCode(429);
        // A refused creation is refused before the route: nothing is made (a retry once allowed starts afresh).
        given().auth().oauth2(admin).contentType("application/json").header("Idempotency-Key", "throttled-1")
                .body("{\"slug\":\"lost\",\"name\":\"Lost\"}").post("/api/v1/tenants/" + tenant + "/projects")
                .then().statusCode(429).body("code", equalTo("RATE_LIMITED"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants/" + tenant + "/projects").then().statusCode(200)
                .body("items.slug", not(hasItem("lost")));
        // Other accounts are not slowed: another tenant, and the platform admin just above.
        for (int i = 0; i < 20; i++) {
            given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200);
        }
        assertEquals(429, given().auth().oauth2(admin).get("/api/v1/me").statusCode());
        // Refusals are counted for the platform team, by kind of account (never by tenant: unbounded series).
        String counted = management().get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("myriad_http_rate_limited_total{account=\"tenant\"")).findFirst().orElse("");
        assertTrue(Double.parseDouble(counted.substring(counted.lastIndexOf(' ') + 1)) >= 4, counted);
    }
}
