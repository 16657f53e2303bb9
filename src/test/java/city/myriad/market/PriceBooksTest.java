package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Price books and offers: who sets prices, what every rule refuses, versions, and what a buyer sees for sale. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class PriceBooksTest {

    static final String PRICES = "/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/prices";

    static String book(String... entries) {
        return "{\"prices\":[" + String.join(",", entries) + "],\"sameBlockPremiumPercent\":10}";
    }

    static String price(String model, String cls, long minor, String currency) {
        return "{\"model\":\"" + model + "\",\"class\":\"" + cls + "\",\"unitPrice\":{\"amountMinor\":" + minor
                + ",\"currency\":\"" + currency + "\"}}";
    }

    static String spot(long unit, long floor, long ceiling) {
        return "{\"model\":\"ASCEND-910B\",\"class\":\"SPOT\",\"unitPrice\":{\"amountMinor\":" + unit
                + ",\"currency\":\"CNY\"},\"floor\":{\"amountMinor\":" + floor + ",\"currency\":\"CNY\"},"
                + "\"ceiling\":{\"amountMinor\":" + ceiling + ",\"currency\":\"CNY\"}}";
    }

    @Test
    void a_buyer_sees_the_demo_offers_with_todays_prices_and_what_is_available() {
        Response offers = given().auth().oauth2(Tokens.alice()).queryParam("clusterId", DemoData.HANGZHOU_CLUSTER.toString())
                .get("/api/v1/offers");
        offers.then().statusCode(200);
        Map<String, Map<String, Object>> byClass = new HashMap<>();
        List<Map<String, Object>> items = offers.jsonPath().getList("items");
        items.forEach(o -> byClass.put((String) o.get("class"), o));
        assertEquals(java.util.Set.of("RESERVED", "ON_DEMAND", "SPOT"), byClass.keySet());
        Map<String, Object> onDemand = byClass.get("ON_DEMAND");
        assertEquals("ASCEND-910B", onDemand.get("model"));
        @SuppressWarnings("unchecked")
        Map<String, Object> unit = (Map<String, Object>) onDemand.get("unitPrice");
        assertEquals("CNY", unit.get("currency"));
        long unitMinor = ((Number) unit.get("amountMinor")).longValue();
        @SuppressWarnings("unchecked")
        long premiumMinor = ((Number) ((Map<String, Object>) onDemand.get("sameBlockUnitPrice")).get("amountMinor")).longValue();
        int premiumPercent = given().auth().oauth2(Tokens.alice()).get(PRICES).then().statusCode(200)
                .extract().path("sameBlockPremiumPercent");
        assertEquals(Math.round(unitMinor * (1 + premiumPercent / 100.0)), premiumMinor);

        // What is available, counted independently from the operator's node list.
        Map<String, Long> availableByBlock = new HashMap<>();
        String cursor = null;
        do {
            var req = given().auth().oauth2(Tokens.olga()).queryParam("limit", 500);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            Response page = req.get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/nodes");
            List<Map<String, Object>> nodes = page.jsonPath().getList("items");
            for (Map<String, Object> n : nodes) {
                if ("AVAILABLE".equals(n.get("state")) && "ASCEND-910B".equals(n.get("gpuModel"))) {
                    availableByBlock.merge((String) n.get("block"), ((Number) n.get("gpus")).longValue(), Long::sum);
                }
            }
            cursor = page.path("nextCursor");
        } while (cursor != null);
        long available = availableByBlock.values().stream().mapToLong(Long::longValue).sum();
        long largestBlock = availableByBlock.values().stream().mapToLong(Long::longValue).max().orElse(0);
        assertEquals(available, ((Number) onDemand.get("cardsAvailable")).longValue());
        assertEquals(largestBlock, ((Number) onDemand.get("largestGangInOneBlock")).longValue());
        assertTrue(available > 0 && largestBlock < available);

        Map<String, Object> spot = byClass.get("SPOT");
        assertEquals(true, spot.get("priceFollowsUtilization"), "the demo spot price has bounds");
    }

    @Test
    void the_operator_sets_a_new_version_and_old_ones_are_kept() {
        int before = given().auth().oauth2(Tokens.olga()).get(PRICES).then().statusCode(200).extract().path("version");
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body(book(price("ASCEND-910B", "ON_DEMAND", 1300, "CNY"), price("ASCEND-910B", "RESERVED", 950, "CNY"),
                        spot(600, 400, 1000)))
                .put(PRICES).then().statusCode(200).body("version", equalTo(before + 1))
                .body("currency", equalTo("CNY")).body("prices.size()", equalTo(3));
        given().auth().oauth2(Tokens.bob()).get(PRICES).then().statusCode(200).body("version", equalTo(before + 1));
        given().auth().oauth2(Tokens.bob()).queryParam("class", "ON_DEMAND").get("/api/v1/offers").then().statusCode(200)
                .body("items.class", everyItem(equalTo("ON_DEMAND")))
                .body("items.find { it.clusterId == '" + DemoData.HANGZHOU_CLUSTER + "' }.unitPrice.amountMinor", equalTo(1300))
                .body("items.find { it.clusterId == '" + DemoData.HANGZHOU_CLUSTER + "' }.priceBookVersion", equalTo(before + 1));
    }

    @Test
    void only_the_clusters_operator_or_a_platform_admin_sets_prices() {
        String body = book(price("ASCEND-910B", "ON_DEMAND", 1, "CNY"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body(body).put(PRICES).then()
                .statusCode(403).body("code", equalTo("OPERATOR_ROLE_REQUIRED"));
        given().auth().oauth2(Tokens.token("oscar", null, "shenzhen", "operator")).contentType("application/json")
                .body(body).put(PRICES).then().statusCode(403);
        given().contentType("application/json").body(body).put(PRICES).then().statusCode(401);
    }

    @Test
    void every_broken_rule_is_refused_with_its_code_and_changes_nothing() {
        int before = given().auth().oauth2(Tokens.olga()).get(PRICES).then().extract().path("version");
        record Case(String body, String code, String field) {}
        List<Case> cases = List.of(
                new Case(book(price("H100", "ON_DEMAND", 1000, "CNY")), "UNKNOWN_MODEL", "prices[0].model"),
                new Case(book(price("ASCEND-910B", "ON_DEMAND", 1000, "CNY"), price("ASCEND-910B", "SPOT", 100, "USD")),
                        "CURRENCY_MISMATCH", "prices[1]"),
                new Case(book(price("ASCEND-910B", "ON_DEMAND", 1000, "CNY"), price("ASCEND-910B", "ON_DEMAND", 900, "CNY")),
                        "DUPLICATE_PRICE", "prices[1]"),
                new Case(book(spot(300, 400, 1000)), "INVALID_SPOT_BOUNDS", "prices[0]"),
                new Case(book(spot(600, 400, 1000).replace("SPOT", "ON_DEMAND")), "INVALID_SPOT_BOUNDS", "prices[0]"),
                new Case(book(price("ASCEND-910B", "ON_DEMAND", -1, "CNY")), "VALIDATION_FAILED", null),
                new Case(book(price("ASCEND-910B", "ON_DEMAND", 1000, "cny")), "VALIDATION_FAILED", null),
                new Case(book(price("ASCEND-910B", "CHEAP", 1000, "CNY")), "INVALID_FIELD_TYPE", null),
                new Case("{\"prices\":[]}", "VALIDATION_FAILED", "prices"));
        for (Case c : cases) {
            var answer = given().auth().oauth2(Tokens.olga()).contentType("application/json").body(c.body()).put(PRICES)
                    .then().statusCode(400).body("code", equalTo(c.code()));
            if (c.field() != null) {
                answer.body("errors[0].field", equalTo(c.field()));
            }
        }
        given().auth().oauth2(Tokens.olga()).get(PRICES).then().body("version", equalTo(before));
        given().auth().oauth2(Tokens.alice()).queryParam("class", "CHEAP").get("/api/v1/offers").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
    }

    @Test
    void a_cluster_without_a_price_book_sells_nothing() {
        String cluster = given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"slug\":\"unpriced\",\"name\":\"Unpriced\",\"region\":\"cn-east\"}").post("/api/v1/clusters")
                .then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.alice()).get("/api/v1/clusters/" + cluster + "/prices").then().statusCode(404)
                .body("code", equalTo("PRICE_BOOK_NOT_FOUND"));
        given().auth().oauth2(Tokens.alice()).queryParam("clusterId", cluster).get("/api/v1/offers").then()
                .statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void concurrent_changes_each_get_a_version_or_a_clear_conflict() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                long minor = 2000 + i;
                calls.add(CompletableFuture.supplyAsync(() -> given().auth().oauth2(Tokens.olga())
                        .contentType("application/json").body(book(price("ASCEND-910B", "ON_DEMAND", minor, "CNY"),
                                price("ASCEND-910B", "RESERVED", 900, "CNY"), spot(600, 400, 1000)))
                        .put(PRICES).statusCode(), pool));
            }
            List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
            assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 409), "only 200 or 409: " + statuses);
            assertTrue(statuses.contains(200));
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void a_change_with_if_match_lands_only_on_the_version_it_was_read_from_and_of_concurrent_ones_exactly_one() throws Exception {
        Response read = given().auth().oauth2(Tokens.olga()).get(PRICES);
        read.then().statusCode(200).header("Cache-Control", equalTo("private, no-cache"));
        String tag = read.header("ETag");
        int version = read.path("version");
        String body = book(price("ASCEND-910B", "ON_DEMAND", 1400, "CNY"), price("ASCEND-910B", "RESERVED", 950, "CNY"),
                spot(600, 400, 1000));
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", tag).body(body)
                .put(PRICES).then().statusCode(200).body("version", equalTo(version + 1));
        String now = given().auth().oauth2(Tokens.olga()).get(PRICES).header("ETag");
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", tag).body(body)
                .put(PRICES).then().statusCode(412).body("code", equalTo("PRECONDITION_FAILED")).header("ETag", now);
        given().auth().oauth2(Tokens.olga()).get(PRICES).then().body("version", equalTo(version + 1))
                .header("ETag", now);

        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                long minor = 1500 + i;
                calls.add(CompletableFuture.supplyAsync(() -> given().auth().oauth2(Tokens.olga())
                        .contentType("application/json").header("If-Match", now)
                        .body(book(price("ASCEND-910B", "ON_DEMAND", minor, "CNY"),
                                price("ASCEND-910B", "RESERVED", 950, "CNY"), spot(600, 400, 1000)))
                        .put(PRICES).statusCode(), pool));
            }
            List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
            assertEquals(1, statuses.stream().filter(s -> s == 200).count(), "exactly one lands: " + statuses);
            assertEquals(5, statuses.stream().filter(s -> s == 412).count(), "the others are 412: " + statuses);
            given().auth().oauth2(Tokens.olga()).get(PRICES).then().body("version", equalTo(version + 2));
        } finally {
            pool.shutdown();
        }
    }
}
