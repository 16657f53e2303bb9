package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

/** What a platform team wires into Kubernetes and Prometheus: probes and metrics, without a token. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class OperationsEndpointsTest {

    @Test
    void probes_report_up_with_the_database_checked() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", org.hamcrest.Matchers.hasItem("Reactive PostgreSQL connections health check"));
        given().get("/q/health/started").then().statusCode(200);
    }

    @Test
    void prometheus_metrics_count_api_requests() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count"))
                .body(containsString("uri=\"/api/v1/me\""));
    }

    @Test
    void an_unknown_route_is_a_problem_not_a_page() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/no-such-thing").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
    }
}
