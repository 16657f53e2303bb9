package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.metering.service.MeteringWorker;
import city.myriad.support.History;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a budget's month is heading: what was used, the runs going on per hour, the forecast at the pace so far (worked
 * out here by hand from the status's own asOf), and the BUDGET_FORECAST alert a scope asks for (once a month, only
 * where asked).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class BudgetForecastTest {

    @Inject
    MeteringWorker worker;

    @Inject
    Pool pool;

    static JsonPath budget(World.Tenant t) {
        return given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/budget").then().statusCode(200)
                .extract().jsonPath();
    }

    static void quotas(World.Tenant t, long budgetMinor, Integer forecastPercent) {
        AlertsTest.quotas(t, "{\"cards\":[],\"budget\":{\"amountMinor\":" + budgetMinor + ",\"currency\":\"CNY\","
                + "\"period\":\"MONTH\"}" + (forecastPercent == null ? "" : ",\"forecastAlertPercent\":"
                + forecastPercent) + "}");
    }

    /** used + used x (time left in the month) / max(time gone, a day), half-even: the rule, by hand. */
    static long expected(long used, Instant asOf) {
        YearMonth month = YearMonth.from(asOf.atOffset(ZoneOffset.UTC));
        Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        long gone = Math.max(Duration.between(start, asOf).toMillis(), Duration.ofDays(1).toMillis());
        return used + BigDecimal.valueOf(used).multiply(BigDecimal.valueOf(Duration.between(asOf, end).toMillis()))
                .divide(BigDecimal.valueOf(gone), 0, RoundingMode.HALF_EVEN).longValueExact();
    }

    List<Map<String, Object>> forecastAlerts(World.Tenant t) {
        List<Map<String, Object>> items = given().auth().oauth2(t.viewer()).get("/api/v1/alerts").then().statusCode(200)
                .extract().jsonPath().getList("items");
        return items.stream().filter(a -> "BUDGET_FORECAST".equals(a.get("measure"))).toList();
    }

    @Test
    void the_status_shows_what_was_used_the_run_rate_and_the_months_forecast() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        quotas(t, 100_000_000L, null);
        // 8 cards for an hour at 12.00 earlier this month: 96.00 used.
        Instant start = AlertsTest.earlierThisMonth(3600);
        History.ran(pool, t.id(), t.projectId(), cluster, AlertsTest.node1(cluster) + "-x", 8, start,
                start.plusSeconds(3600), 1200);
        worker.drain();
        JsonPath idle = budget(t);
        assertEquals(9_600, idle.getLong("used.amountMinor"));
        assertEquals(0, idle.getLong("runRatePerHour.amountMinor"), "nothing runs");
        long forecast = idle.getLong("forecast.amountMinor");
        assertEquals(expected(9_600, Instant.parse(idle.getString("asOf"))), forecast);
        assertEquals(BigDecimal.valueOf(forecast * 100).divide(BigDecimal.valueOf(100_000_000L), 1, RoundingMode.HALF_UP),
                new BigDecimal(idle.getString("forecastPercent")));

        // Two cards running at 12.00 an hour: 24.00 an hour, and what they ran so far counts as used.
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":2,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":36000}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        AlertsTest.until(t.member(), "/api/v1/jobs/" + job, j -> "RUNNING".equals(j.getString("state")));
        JsonPath running = budget(t);
        assertEquals(2_400, running.getLong("runRatePerHour.amountMinor"));
        long used = running.getLong("used.amountMinor");
        assertTrue(used >= 9_600, "the run so far adds to what was used: " + used);
        assertEquals(expected(used, Instant.parse(running.getString("asOf"))), running.getLong("forecast.amountMinor"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);

        // A GPU-hour limit gets the same: 8 card-hours ended, the 2-card run's so far, and the forecast at that pace.
        AlertsTest.quotas(t, "{\"cards\":[],\"gpuHours\":{\"limit\":1000,\"period\":\"MONTH\"}}");
        JsonPath hours = budget(t);
        BigDecimal usedHours = new BigDecimal(hours.getString("gpuHours.used"));
        assertTrue(usedHours.compareTo(new BigDecimal("8.00")) >= 0, "8 card-hours and the cancelled run: " + usedHours);
        long usedCardMs = usedHours.multiply(BigDecimal.valueOf(3_600_000L)).longValueExact();
        BigDecimal forecastHours = new BigDecimal(hours.getString("gpuHours.forecast"));
        // From the hours shown, rounded to the hundredth: the rule applied to them, give or take that rounding carried
        // through the rest of the month (0.005 h x (1 + time left / time gone)) and the forecast's own hundredth.
        Instant asOf = Instant.parse(hours.getString("asOf"));
        BigDecimal byHand = BigDecimal.valueOf(expected(usedCardMs, asOf))
                .divide(BigDecimal.valueOf(3_600_000L), 4, RoundingMode.HALF_UP);
        double factor = (expected(3_600_000_000L, asOf) - 3_600_000_000L) / 3_600_000_000.0;
        double slack = 0.005 * (1 + factor) + 0.005 + 1e-9;
        assertTrue(forecastHours.subtract(byHand).abs().doubleValue() <= slack,
                forecastHours + " against " + byHand + " (slack " + slack + ")");
        assertTrue(forecastHours.compareTo(usedHours) >= 0);

        // Without a budget there are no money figures at all.
        AlertsTest.quotas(t, "{\"cards\":[]}");
        JsonPath none = budget(t);
        assertTrue(none.get("forecast") == null && none.get("used") == null, "no money figures without a budget");
    }

    @Test
    void a_forecast_alert_is_raised_once_where_a_scope_asks_for_it_before_what_was_used_reaches_the_budget() {
        String cluster = World.cluster(1);
        World.Tenant asks = World.tenant();
        World.Tenant silent = World.tenant();
        for (World.Tenant t : List.of(asks, silent)) {
            Instant start = AlertsTest.earlierThisMonth(3600);
            History.ran(pool, t.id(), t.projectId(), cluster, AlertsTest.node1(cluster) + "-x", 8, start,
                    start.plusSeconds(3600), 1200);
        }
        worker.drain();
        quotas(asks, 100_000_000L, null);
        long forecast = budget(asks).getLong("forecast.amountMinor");
        // A budget the forecast comes to 95% of; the alert at 90%.
        long budget = forecast * 100 / 95;
        quotas(asks, budget, 90);
        quotas(silent, budget, null);
        given().auth().oauth2(asks.viewer()).get("/api/v1/tenants/" + asks.id() + "/quotas").then().statusCode(200)
                .body("forecastAlertPercent", equalTo(90));
        for (int i = 0; i < 3; i++) {
            worker.alertsNow();  // however often the meter looks: once a month
        }
        List<Map<String, Object>> raised = forecastAlerts(asks);
        assertEquals(1, raised.size(), "one forecast alert: " + raised);
        Map<String, Object> alert = raised.get(0);
        assertEquals(90, alert.get("threshold"));
        assertEquals("CNY", alert.get("unit"));
        assertEquals(budget, ((Number) alert.get("limit")).longValue());
        long at = ((Number) alert.get("used")).longValue();
        assertTrue(at * 100 >= budget * 90 && at <= forecast, "the forecast when raised: " + at + " of " + budget);
        assertEquals(List.of(), forecastAlerts(silent), "a scope that did not ask gets none");

        // At 99% the same forecast raises nothing more; other tenants never see these.
        quotas(asks, budget, 99);
        worker.alertsNow();
        assertEquals(1, forecastAlerts(asks).size());
        assertEquals(List.of(), forecastAlerts(World.tenant()));
    }

    @Test
    void a_forecast_percentage_out_of_range_is_refused_and_changes_nothing() {
        World.Tenant t = World.tenant();
        quotas(t, 10_000L, 80);
        for (String bad : List.of("0", "101", "\"ninety\"", "50.5")) {
            given().auth().oauth2(Tokens.admin()).contentType("application/json")
                    .body("{\"cards\":[],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"},"
                            + "\"forecastAlertPercent\":" + bad + "}")
                    .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(400);
        }
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200)
                .body("forecastAlertPercent", equalTo(80));
    }
}
