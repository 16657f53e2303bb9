package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.service.ClusterEmulator;
import city.myriad.market.service.SpotPriceHistory;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The SPOT price history: each change recorded once (utilization moving the price between floor and ceiling, a new
 * book), read back with the price in force at the stretch's start; bad stretches refused.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class SpotPriceHistoryTest {

    @Inject
    SpotPriceHistory history;

    @Inject
    ClusterEmulator emulator;

    static void prices(String cluster, long floor, long ceiling) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[{\"model\":\"ASCEND-910B\",\"class\":\"ON_DEMAND\",\"unitPrice\":{\"amountMinor\":"
                        + "1200,\"currency\":\"CNY\"}}," + PriceBooksTest.spot(floor, floor, ceiling) + "]}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
    }

    static List<Map<String, Object>> read(String cluster, Instant from) {
        var request = given().auth().oauth2(Tokens.alice()).queryParam("model", "ASCEND-910B");
        if (from != null) {
            request = request.queryParam("from", from.toString());
        }
        // The cluster's first book (a fixed SPOT price) may have been recorded by the background round: left out.
        return request.get("/api/v1/clusters/" + cluster + "/prices/spot-history").then().statusCode(200).extract()
                .jsonPath().<Map<String, Object>>getList("items").stream()
                .filter(x -> ((Number) x.get("priceBookVersion")).intValue() >= 2).toList();
    }

    static long price(Map<String, Object> item) {
        return ((Number) ((Map<?, ?>) item.get("unitPrice")).get("amountMinor")).longValue();
    }

    @Test
    void each_change_of_the_spot_price_is_recorded_once_and_read_back_from_the_price_in_force() throws Exception {
        String cluster = World.cluster(2);  // 16 cards
        prices(cluster, 400, 1200);
        history.round();
        List<Map<String, Object>> idle = read(cluster, null);
        assertEquals(1, idle.size(), idle.toString());
        assertEquals(400, price(idle.get(0)), "nothing runs: the floor");
        assertEquals(2, idle.get(0).get("priceBookVersion"));

        // 8 of the 16 cards taken: once the loop reports it, the price is half way up, recorded once.
        World.Tenant t = World.tenant();
        String job = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":3600}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        emulator.hang(UUID.fromString(job));
        List<Map<String, Object>> busy = idle;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));  // a wait for the loop, not a timing check
        while (busy.size() < 2 && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            history.round();
            busy = read(cluster, null);
        }
        assertEquals(2, busy.size(), busy.toString());
        assertEquals(800, price(busy.get(1)), "400 + (1200 - 400) x 0.5");
        assertEquals(0.5, ((Number) busy.get(1).get("utilization")).doubleValue());
        history.round();
        assertEquals(2, read(cluster, null).size(), "unchanged: nothing recorded");

        // Read from after the change: the price in force then comes first.
        Instant changed = Instant.parse(busy.get(1).get("at").toString());
        List<Map<String, Object>> since = read(cluster, changed.plusMillis(1));
        assertEquals(1, since.size());
        assertEquals(800, price(since.get(0)));

        // A new book moves it at the same utilization.
        prices(cluster, 500, 1500);
        history.round();
        List<Map<String, Object>> after = read(cluster, null);
        assertEquals(3, after.size(), after.toString());
        assertEquals(1000, price(after.get(2)));
        assertEquals(3, after.get(2).get("priceBookVersion"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
    }

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void prices_older_than_the_retention_go_but_for_the_one_still_in_force_then() {
        String cluster = World.cluster(1);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        for (int daysAgo : new int[] {500, 450, 10}) {
            pool.withTransaction(c -> c.preparedQuery("insert into spot_prices (cluster_id, model, at, "
                    + "price_book_version, currency, unit_price_minor, utilization) values ($1, 'ASCEND-910B', $2, 9, "
                    + "'CNY', $3, 0)").execute(io.vertx.mutiny.sqlclient.Tuple.of(UUID.fromString(cluster),
                    java.time.OffsetDateTime.ofInstant(now.minus(Duration.ofDays(daysAgo)), java.time.ZoneOffset.UTC),
                    (long) daysAgo))).await().indefinitely();
        }
        history.prune();
        // 420 to 400 days ago: the price recorded 450 days ago was in force, and is kept; the one of 500 days is gone.
        List<Map<String, Object>> then = given().auth().oauth2(Tokens.alice())
                .queryParam("from", now.minus(Duration.ofDays(420)).toString())
                .queryParam("to", now.minus(Duration.ofDays(400)).toString())
                .get("/api/v1/clusters/" + cluster + "/prices/spot-history").then().statusCode(200).extract()
                .jsonPath().getList("items");
        assertEquals(1, then.size(), then.toString());
        assertEquals(450, price(then.get(0)));
        List<Map<String, Object>> older = given().auth().oauth2(Tokens.alice())
                .queryParam("from", now.minus(Duration.ofDays(510)).toString())
                .queryParam("to", now.minus(Duration.ofDays(490)).toString())
                .get("/api/v1/clusters/" + cluster + "/prices/spot-history").then().statusCode(200).extract()
                .jsonPath().getList("items");
        assertEquals(List.of(), older, "pruned");
    }

    @Test
    void a_stretch_backwards_too_long_or_of_no_cluster_is_refused() {
        String cluster = World.cluster(1);
        String path = "/api/v1/clusters/" + cluster + "/prices/spot-history";
        given().auth().oauth2(Tokens.alice()).queryParam("from", "2026-12-02T00:00:00Z")
                .queryParam("to", "2026-12-01T00:00:00Z").get(path).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(Tokens.alice()).queryParam("from", "2026-10-01T00:00:00Z")
                .queryParam("to", "2026-12-01T00:00:00Z").get(path).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(Tokens.alice()).queryParam("from", "yesterday").get(path).then().statusCode(400);
        given().auth().oauth2(Tokens.alice()).get("/api/v1/clusters/" + UUID.randomUUID() + "/prices/spot-history")
                .then().statusCode(404).body("code", equalTo("CLUSTER_NOT_FOUND"));
        JsonPath none = given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200).extract().jsonPath();
        assertTrue(none.getBoolean("truncated") == false);
    }
}
