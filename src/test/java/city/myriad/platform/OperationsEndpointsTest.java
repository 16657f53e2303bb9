package city.myriad.platform;

import static city.myriad.support.Management.management;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a platform team wires into Kubernetes and Prometheus: probes and metrics, without a token, on the
 * management port only (never on the public API port), with route templates as the only URI tags.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class OperationsEndpointsTest {

    @Test
    void probes_report_up_with_the_database_checked() {
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        management().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", org.hamcrest.Matchers.hasItem("Reactive PostgreSQL connections health check"));
        management().get("/q/health/started").then().statusCode(200);
    }

    @Test
    void health_and_metrics_are_not_served_on_the_public_port() {
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/health").then().statusCode(404);
    }

    @Test
    void requests_that_match_no_route_add_no_series_and_show_no_ids() {
        String before = management().get("/q/metrics").asString();
        for (int i = 0; i < 50; i++) {
            given().delete("/api/v1/tenants/" + UUID.randomUUID()).then().statusCode(org.hamcrest.Matchers.oneOf(401, 405));
            given().get("/api/v1/no-such-" + UUID.randomUUID()).then().statusCode(org.hamcrest.Matchers.oneOf(401, 404));
            // answered before any route matches: the route table names them
            given().options("/api/v1/tenants/" + UUID.randomUUID()).then().statusCode(204);
            given().header("Origin", CorsTest.PORTAL).header("Access-Control-Request-Method", "PUT")
                    .options("/api/v1/tenants/" + UUID.randomUUID() + "/webhook").then().statusCode(204);
        }
        String after = management().get("/q/metrics").asString();
        long seriesBefore = before.lines().filter(l -> l.startsWith("http_server_requests_seconds_count")).count();
        long seriesAfter = after.lines().filter(l -> l.startsWith("http_server_requests_seconds_count")).count();
        assertTrue(seriesAfter - seriesBefore <= 3, "unmatched requests added " + (seriesAfter - seriesBefore)
                + " series:\n" + after.lines().filter(l -> l.startsWith("http_server_requests_seconds_count"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        assertTrue(after.lines().filter(l -> l.startsWith("http_server_requests"))
                .noneMatch(l -> l.matches(".*[0-9a-f]{8}-[0-9a-f]{4}-.*")), "a metric carries an id from a URI");
        assertTrue(after.lines().anyMatch(l -> l.startsWith("http_server_requests_seconds_count")
                && l.contains("method=\"OPTIONS\"") && l.contains("uri=\"/api/v1/tenants/{tenantId}/webhook\"")),
                "OPTIONS answers are counted under their route template");
    }

    @Test
    void prometheus_metrics_count_api_requests() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200);
        management().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count"))
                .body(containsString("uri=\"/api/v1/me\""));
    }

    @Test
    void the_background_workers_rounds_are_counted_by_outcome() throws InterruptedException {
        for (String worker : java.util.List.of("myriad-metering", "myriad-billing", "myriad-cluster-emulator")) {
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
            String line = null;
            while (line == null && java.time.Instant.now().isBefore(deadline)) {
                line = management().get("/q/metrics").asString().lines()
                        .filter(l -> l.startsWith("myriad_worker_rounds_total{") && l.contains("outcome=\"ok\"")
                                && l.contains("worker=\"" + worker + "\"") && !l.endsWith(" 0.0"))
                        .findFirst().orElse(null);
                if (line == null) {
                    Thread.sleep(100);
                }
            }
            assertTrue(line != null, worker + ": no round counted at /q/metrics");
        }
    }

    @Test
    void an_unknown_route_is_a_problem_not_a_page() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/no-such-thing").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
    }
}
