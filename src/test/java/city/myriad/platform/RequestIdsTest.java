package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** Every answer names its request: a new id, or the caller's own when it is safe to log; problems repeat it. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class RequestIdsTest {

    static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Test
    void every_answer_carries_a_new_id_and_a_problem_repeats_it() {
        String first = given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200)
                .header("X-Request-Id", matchesPattern(UUID)).extract().header("X-Request-Id");
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200)
                .header("X-Request-Id", not(equalTo(first)));

        for (Response r : new Response[] {
                given().auth().oauth2(Tokens.alice()).get("/api/v1/nowhere"),          // no route
                given().get("/api/v1/me"),                                              // no token
                given().auth().oauth2(Tokens.alice()).get("/api/v1/jobs/not-an-id"),  // bad input
                given().auth().oauth2(Tokens.alice()).delete("/api/v1/me")}) {         // wrong method
            r.then().contentType("application/problem+json").header("X-Request-Id", matchesPattern(UUID));
            assertThat(r.statusCode() + " " + r.asString(), r.jsonPath().getString("requestId"),
                    equalTo(r.header("X-Request-Id")));
        }
        given().options("/api/v1/me").then().statusCode(204).header("X-Request-Id", matchesPattern(UUID));
    }

    @Test
    void a_callers_own_id_is_kept_when_it_is_safe_to_log_and_replaced_when_not() {
        String mine = "gw-7f3c2a9e.01:retry_2";
        Response r = given().auth().oauth2(Tokens.alice()).header("X-Request-Id", mine).get("/api/v1/nowhere");
        r.then().statusCode(404).header("X-Request-Id", mine).body("requestId", equalTo(mine));
        given().auth().oauth2(Tokens.alice()).header("X-Request-Id", mine).get("/api/v1/me").then().statusCode(200)
                .header("X-Request-Id", mine);

        for (String unsafe : new String[] {"two words", "quote\"d", "{\"level\":\"ERROR\"}", "x".repeat(129), ""}) {
            given().auth().oauth2(Tokens.alice()).header("X-Request-Id", unsafe).get("/api/v1/me").then()
                    .statusCode(200).header("X-Request-Id", matchesPattern(UUID));
        }
    }
}
