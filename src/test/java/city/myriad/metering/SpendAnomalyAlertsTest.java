package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.metering.service.MeteringWorker;
import city.myriad.support.History;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A day's spend far above the days before it raises a SPEND_ANOMALY alert where the scope asks for one: against the
 * median of the 14 days before, strictly above by the percentage and by at least the floor in money where one is set,
 * once a day, never for a scope that did not ask.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class SpendAnomalyAlertsTest {

    @Inject
    MeteringWorker worker;

    @Inject
    Pool pool;

    static void quotas(World.Tenant t, Integer percent) {
        quotas(t, percent, null);
    }

    /** A budget, the anomaly's percentage and its floor in minor units (null: left out). */
    static void quotas(World.Tenant t, Integer percent, Long minimum) {
        AlertsTest.quotas(t, "{\"cards\":[],\"budget\":{\"amountMinor\":1000000000,\"currency\":\"CNY\","
                + "\"period\":\"MONTH\"}" + (percent == null ? "" : ",\"spendAnomalyPercent\":" + percent)
                + (minimum == null ? "" : ",\"spendAnomalyMinimumMinor\":" + minimum) + "}");
    }

    /** {@code cards} cards for an hour at 12.00 a card-hour (CNY), from 10:00 UTC of {@code day}. */
    void spent(World.Tenant t, String cluster, LocalDate day, int cards) {
        Instant start = day.atTime(10, 0).toInstant(ZoneOffset.UTC);
        History.ran(pool, t.id(), t.projectId(), cluster, AlertsTest.node1(cluster) + "-x", cards, start,
                start.plusSeconds(3600), 1200);
    }

    List<Map<String, Object>> anomalies(World.Tenant t, String period) {
        List<Map<String, Object>> items = given().auth().oauth2(t.viewer())
                .queryParams(period == null ? Map.of() : Map.of("period", period)).get("/api/v1/alerts").then()
                .statusCode(200).extract().jsonPath().getList("items");
        return items.stream().filter(a -> "SPEND_ANOMALY".equals(a.get("measure"))).toList();
    }

    @Test
    void a_day_far_above_the_fortnight_before_it_raises_one_alert_where_the_scope_asks() {
        String cluster = World.cluster(1);
        World.Tenant asks = World.tenant();
        World.Tenant atTheEdge = World.tenant();
        World.Tenant silent = World.tenant();
        World.Tenant atTheFloor = World.tenant();
        World.Tenant belowTheFloor = World.tenant();
        LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        for (World.Tenant t : List.of(asks, atTheEdge, silent, atTheFloor, belowTheFloor)) {
            // A habit of one card-hour a day (12.00) for the 14 days before yesterday, then four card-hours (48.00).
            for (int d = 1; d <= 14; d++) {
                spent(t, cluster, yesterday.minusDays(d), 1);
            }
            spent(t, cluster, yesterday, 4);
        }
        worker.drain();
        quotas(asks, 200);        // 48.00 is 300% above 12.00: more than 200%
        quotas(atTheEdge, 300);   // exactly 300% above: not more
        quotas(silent, null);
        quotas(atTheFloor, 200, 3_600L);      // 36.00 above the median: at least 36.00
        quotas(belowTheFloor, 200, 3_601L);   // but not 36.01
        given().auth().oauth2(asks.viewer()).get("/api/v1/tenants/" + asks.id() + "/quotas").then().statusCode(200)
                .body("spendAnomalyPercent", equalTo(200));
        for (int i = 0; i < 3; i++) {
            worker.alertsNow();  // however often the meter looks: once a day
        }

        List<Map<String, Object>> raised = anomalies(asks, null);
        assertEquals(1, raised.size(), "one anomaly, yesterday's: " + raised);
        Map<String, Object> alert = raised.get(0);
        assertEquals(yesterday.toString(), alert.get("period"));
        assertEquals(200, alert.get("threshold"));
        assertEquals(4_800L, ((Number) alert.get("used")).longValue());
        assertEquals(1_200L, ((Number) alert.get("limit")).longValue(), "the median of the 14 days before");
        assertEquals("CNY", alert.get("unit"));
        // A month's alerts include the anomalies of its days.
        assertEquals(1, anomalies(asks, yesterday.toString().substring(0, 7)).size());
        // The list narrows to one measure; a measure that is none is refused.
        given().auth().oauth2(asks.viewer()).queryParam("measure", "SPEND_ANOMALY").get("/api/v1/alerts").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(alert.get("id")));
        given().auth().oauth2(asks.viewer()).queryParam("measure", "BUDGET").get("/api/v1/alerts").then()
                .statusCode(200).body("items", org.hamcrest.Matchers.empty());
        given().auth().oauth2(asks.viewer()).queryParam("measure", "spend_anomaly").get("/api/v1/alerts").then()
                .statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("measure"));
        assertEquals(List.of(), anomalies(atTheEdge, null), "at the percentage, not above it: none");
        assertEquals(List.of(), anomalies(silent, null), "a scope that did not ask gets none");
        assertEquals(1, anomalies(atTheFloor, null).size(), "at least the floor above the median");
        assertEquals(List.of(), anomalies(belowTheFloor, null), "above the percentage, but less than the floor");
        given().auth().oauth2(atTheFloor.viewer()).get("/api/v1/tenants/" + atTheFloor.id() + "/quotas").then()
                .statusCode(200).body("spendAnomalyMinimumMinor", equalTo(3600));
        assertEquals(List.of(), anomalies(World.tenant(), null));
    }

    @Test
    void todays_runs_going_on_count_as_they_run() throws InterruptedException {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // A habit of 0.20 a day: one card for a minute (12.00 a card-hour), on each of the 14 days before today.
        for (int d = 1; d <= 14; d++) {
            Instant start = today.minusDays(d).atTime(10, 0).toInstant(ZoneOffset.UTC);
            History.ran(pool, t.id(), t.projectId(), cluster, AlertsTest.node1(cluster) + "-x", 1, start,
                    start.plusSeconds(60), 1200);
        }
        worker.drain();
        quotas(t, 10);
        // Eight cards running today: 96.00 an hour, past 0.22 within seconds, and nothing of it billed yet.
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":36000}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        AlertsTest.until(t.member(), "/api/v1/jobs/" + job, j -> "RUNNING".equals(j.getString("state")));
        List<Map<String, Object>> raised = List.of();
        for (int i = 0; i < 300 && raised.isEmpty(); i++) {
            Thread.sleep(100);
            worker.alertsNow();
            raised = anomalies(t, null);
        }
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        assertEquals(1, raised.size(), "today's anomaly, from the run going on: " + raised);
        assertEquals(today.toString(), raised.get(0).get("period"));
        assertEquals(20L, ((Number) raised.get(0).get("limit")).longValue());
        long used = ((Number) raised.get(0).get("used")).longValue();
        org.junit.jupiter.api.Assertions.assertTrue(used * 100 > 20 * 110, "above the median by more than 10%: " + used);
    }

    @Test
    void a_percentage_out_of_range_or_without_a_budget_is_refused_and_changes_nothing() {
        World.Tenant t = World.tenant();
        quotas(t, 150);
        String budget = "\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"},";
        Map<String, String> refused = Map.of(
                "{\"cards\":[],\"spendAnomalyPercent\":150}", "VALIDATION_FAILED",
                "{\"cards\":[]," + budget + "\"spendAnomalyPercent\":9}", "VALIDATION_FAILED",
                "{\"cards\":[]," + budget + "\"spendAnomalyPercent\":1001}", "VALIDATION_FAILED",
                "{\"cards\":[]," + budget + "\"spendAnomalyPercent\":\"lots\"}", "INVALID_FIELD_TYPE");
        refused.forEach((body, code) -> given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body)
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(400)
                .contentType("application/problem+json").body("code", equalTo(code))
                .body("errors[0].field", equalTo("spendAnomalyPercent")));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[],\"spendAnomalyPercent\":150}").put("/api/v1/tenants/" + t.id() + "/quotas")
                .then().statusCode(400).body("detail", equalTo("`spendAnomalyPercent` must be set with a budget: the "
                        + "spend watched is in the budget's currency"));
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200)
                .body("spendAnomalyPercent", equalTo(150)).body("budget.amountMinor", equalTo(1000000000));
        // The floor: only with a percentage, never below 0.
        Map<String, String> floors = Map.of(
                "{\"cards\":[]," + budget + "\"spendAnomalyMinimumMinor\":100}", "VALIDATION_FAILED",
                "{\"cards\":[]," + budget + "\"spendAnomalyPercent\":150,\"spendAnomalyMinimumMinor\":-1}",
                "VALIDATION_FAILED",
                "{\"cards\":[]," + budget + "\"spendAnomalyPercent\":150,\"spendAnomalyMinimumMinor\":\"lots\"}",
                "INVALID_FIELD_TYPE");
        floors.forEach((body, code) -> given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body)
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(400)
                .contentType("application/problem+json").body("code", equalTo(code))
                .body("errors[0].field", equalTo("spendAnomalyMinimumMinor")));
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200)
                .body("spendAnomalyPercent", equalTo(150)).body("spendAnomalyMinimumMinor", equalTo(null));
    }
}
