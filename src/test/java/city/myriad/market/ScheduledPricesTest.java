package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Price changes announced ahead (setPrices with effectiveAt): listed as scheduled and on each offer, in force from
 * their time and not a moment before, a later book replacing the schedule from its own time on, and what is refused.
 * Each test on a cluster of its own (World.cluster: RESERVED 1000, ON_DEMAND 1200, SPOT 600 per card-hour).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ScheduledPricesTest {

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    static String prices(String cluster) {
        return "/api/v1/clusters/" + cluster + "/prices";
    }

    /** A book of ON_DEMAND and RESERVED prices (no SPOT), in force from {@code at} (now when null). */
    static String book(long onDemand, long reserved, Instant at) {
        return "{\"prices\":[" + PriceBooksTest.price("ASCEND-910B", "ON_DEMAND", onDemand, "CNY") + ","
                + PriceBooksTest.price("ASCEND-910B", "RESERVED", reserved, "CNY") + "],\"sameBlockPremiumPercent\":10"
                + (at == null ? "" : ",\"effectiveAt\":\"" + at + "\"") + "}";
    }

    static Response set(String cluster, String body) {
        return given().auth().oauth2(Tokens.olga()).contentType("application/json").body(body).put(prices(cluster));
    }

    static JsonPath read(String cluster) {
        return given().auth().oauth2(Tokens.alice()).get(prices(cluster)).then().statusCode(200).extract().jsonPath();
    }

    static Map<String, Map<String, Object>> offersByClass(String cluster) {
        List<Map<String, Object>> items = given().auth().oauth2(Tokens.bob()).queryParam("clusterId", cluster)
                .get("/api/v1/offers").then().statusCode(200).extract().jsonPath().getList("items");
        return items.stream().collect(java.util.stream.Collectors.toMap(o -> (String) o.get("class"), o -> o));
    }

    static long minor(Object money) {
        return ((Number) ((Map<?, ?>) money).get("amountMinor")).longValue();
    }

    static String job(String cluster, String project, String cls) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":1,\"class\":\"" + cls + "\",\"maxRunSeconds\":600,\"hold\":true}";
    }

    static Response submit(World.Tenant t, String cluster, String cls) {
        return given().auth().oauth2(t.member()).contentType("application/json").body(job(cluster, t.projectId(), cls))
                .post("/api/v1/jobs");
    }

    @Test
    void a_change_announced_ahead_is_shown_to_buyers_and_sells_from_its_time_not_before() throws Exception {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant at = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.MILLIS);
        set(cluster, book(1500, 1100, at)).then().statusCode(200).body("version", equalTo(2))
                .body("effectiveAt", equalTo(at.toString())).body("$", not(hasKey("scheduled")));

        // Announced: the book in force is still version 1, version 2 is listed with its prices.
        JsonPath before = read(cluster);
        assertEquals(1, before.getInt("version"));
        assertEquals(List.of(2), before.getList("scheduled.version"));
        assertEquals(at.toString(), before.getString("scheduled[0].effectiveAt"));
        assertEquals(List.of(1500, 1100), before.getList("scheduled[0].prices.unitPrice.amountMinor"));
        assertNull(before.get("scheduled[0].scheduled"), "a scheduled version lists no schedule of its own");
        Map<String, Map<String, Object>> offers = offersByClass(cluster);
        assertEquals(1200, minor(offers.get("ON_DEMAND").get("unitPrice")));
        @SuppressWarnings("unchecked")
        Map<String, Object> change = (Map<String, Object>) offers.get("ON_DEMAND").get("priceChange");
        assertEquals(at.toString(), change.get("effectiveAt"));
        assertEquals(2, change.get("priceBookVersion"));
        assertEquals(1500, minor(change.get("unitPrice")));
        assertEquals(1650, minor(change.get("sameBlockUnitPrice")), "with the new book's premium");
        @SuppressWarnings("unchecked")
        Map<String, Object> spotChange = (Map<String, Object>) offers.get("SPOT").get("priceChange");
        assertNull(spotChange.get("unitPrice"), "SPOT is not sold under version 2");
        String soldBefore = submit(t, cluster, "ON_DEMAND").then().statusCode(201)
                .body("unitPrice.amountMinor", equalTo(1200)).extract().path("id");
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"SPOT\","
                        + "\"maxRunSeconds\":600}")
                .post("/api/v1/quotes").then().statusCode(201).body("unitPrice.amountMinor", equalTo(600));

        // In force from its very time, though the submission path read the book half a second before (its cached
        // book knows when the next version takes over): sold at it, SPOT no longer sold.
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), at).toMillis() - 500));
        int justBefore = submit(t, cluster, "ON_DEMAND").then().statusCode(201).extract().path("unitPrice.amountMinor");
        if (Instant.now().isBefore(at)) {
            assertEquals(1200, justBefore, "answered before the change's time");
        }
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), at).toMillis()) + 100);
        JsonPath after = read(cluster);
        assertEquals(2, after.getInt("version"));
        assertEquals(List.of(), after.getList("scheduled"));
        offers = offersByClass(cluster);
        assertEquals(java.util.Set.of("ON_DEMAND", "RESERVED"), offers.keySet());
        assertEquals(1500, minor(offers.get("ON_DEMAND").get("unitPrice")));
        assertNull(offers.get("ON_DEMAND").get("priceChange"));
        submit(t, cluster, "ON_DEMAND").then().statusCode(201).body("unitPrice.amountMinor", equalTo(1500));
        submit(t, cluster, "SPOT").then().statusCode(409).body("code", equalTo("NOT_FOR_SALE"));
        // What was sold before keeps its price, and its version says which book priced it.
        int soldAt = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + soldBefore).then().statusCode(200)
                .body("unitPrice.amountMinor", equalTo(1200)).extract().path("priceBookVersion");
        given().auth().oauth2(t.member()).get(prices(cluster) + "/versions/" + soldAt).then().statusCode(200)
                .body("status", equalTo("RETIRED")).body("inForceUntil", equalTo(at.toString()))
                .body("prices.find { it.class == 'ON_DEMAND' }.unitPrice.amountMinor", equalTo(1200));
        given().auth().oauth2(t.member()).get(prices(cluster) + "/versions/2").then().statusCode(200)
                .body("status", equalTo("IN_FORCE")).body("inForceUntil", equalTo(null));
    }

    @Test
    void tenants_whose_webhook_asks_are_told_of_each_version_set_now_or_announced() {
        String cluster = World.cluster(1);
        World.Tenant asks = World.tenant();
        World.Tenant quiet = World.tenant();
        city.myriad.catalog.MaintenanceTest.webhook(asks, "price.changed");
        city.myriad.catalog.MaintenanceTest.webhook(quiet, "alert.raised", "maintenance.scheduled");
        Instant at = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        set(cluster, book(1500, 1100, at)).then().statusCode(200).body("version", equalTo(2));
        set(cluster, book(1300, 1000, null)).then().statusCode(200).body("version", equalTo(3));

        List<JsonPath> told = city.myriad.support.Deliveries.of(pool, asks.id(), "price.changed").stream()
                .filter(e -> cluster.equals(e.getString("data.clusterId"))).toList();
        assertEquals(2, told.size(), "one event per version set");
        JsonPath announced = told.get(0);
        assertEquals("price.changed", announced.getString("type"));
        assertEquals(2, announced.getInt("data.version"));
        assertEquals(at, Instant.parse(announced.getString("data.effectiveAt")));
        assertEquals(true, announced.getBoolean("data.scheduled"));
        assertEquals("CNY", announced.getString("data.currency"));
        assertEquals(10, announced.getInt("data.sameBlockPremiumPercent"));
        assertEquals(List.of("ASCEND-910B/ON_DEMAND/1500", "ASCEND-910B/RESERVED/1100"), announced
                .getList("data.prices", Map.class).stream().map(p -> p.get("model") + "/" + p.get("class") + "/"
                        + ((Map<?, ?>) p.get("unitPrice")).get("amountMinor")).sorted().toList());
        JsonPath now = told.get(1);
        assertEquals(3, now.getInt("data.version"));
        assertEquals(false, now.getBoolean("data.scheduled"));
        // The data is the version as getPrices renders it (its prices, its time).
        JsonPath inForce = read(cluster);
        assertEquals(Instant.parse(inForce.getString("effectiveAt")), Instant.parse(now.getString("data.effectiveAt")));
        assertEquals(inForce.getList("prices"), now.getList("data.prices"));
        assertEquals(List.of(), city.myriad.support.Deliveries.of(pool, quiet.id(), "price.changed"),
                "a webhook that does not name the type is told nothing");
    }

    @Test
    void a_book_replaces_the_schedule_from_its_own_time_on() {
        String cluster = World.cluster(1);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant day1 = now.plus(Duration.ofDays(1));
        Instant day2 = now.plus(Duration.ofDays(2));
        Instant day3 = now.plus(Duration.ofDays(3));
        set(cluster, book(1300, 1000, day2)).then().statusCode(200).body("version", equalTo(2));
        assertEquals(List.of(2), read(cluster).getList("scheduled.version"));
        // Version 3 from day 1 replaces the schedule from day 1 on: version 2 (day 2) never comes into force.
        set(cluster, book(1400, 1000, day1)).then().statusCode(200).body("version", equalTo(3));
        assertEquals(List.of(3), read(cluster).getList("scheduled.version"));
        // Version 4 after it is added: each in force from its time until the next.
        set(cluster, book(1600, 1000, day3)).then().statusCode(200).body("version", equalTo(4));
        JsonPath book = read(cluster);
        assertEquals(1, book.getInt("version"));
        assertEquals(List.of(3, 4), book.getList("scheduled.version"));
        assertEquals(List.of(day1.toString(), day3.toString()), book.getList("scheduled.effectiveAt"));
        @SuppressWarnings("unchecked")
        Map<String, Object> change = (Map<String, Object>) offersByClass(cluster).get("ON_DEMAND").get("priceChange");
        assertEquals(3, change.get("priceBookVersion"), "offers name the next change only");
        assertEquals(1400, minor(change.get("unitPrice")));
        // A book set now replaces the whole schedule.
        set(cluster, book(1250, 1000, null)).then().statusCode(200).body("version", equalTo(5));
        // Every version with its standing, newest first, two a page: what each priced and when.
        JsonPath first = given().auth().oauth2(Tokens.bob()).queryParam("limit", 2)
                .get(prices(cluster) + "/versions").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(5, 4), first.getList("items.version"));
        assertEquals(List.of("IN_FORCE", "SUPERSEDED"), first.getList("items.status"));
        JsonPath rest = given().auth().oauth2(Tokens.bob()).queryParam("limit", 2)
                .queryParam("cursor", first.getString("nextCursor")).get(prices(cluster) + "/versions").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(3, 2), rest.getList("items.version"));
        assertEquals(List.of("SUPERSEDED", "SUPERSEDED"), rest.getList("items.status"));
        JsonPath v1 = given().auth().oauth2(Tokens.bob()).get(prices(cluster) + "/versions/1").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("RETIRED", v1.getString("status"));
        assertEquals(read(cluster).getString("effectiveAt"), v1.getString("inForceUntil"), "until version 5 came");
        assertEquals(List.of("ON_DEMAND", "RESERVED", "SPOT"), v1.getList("prices.class"));
        assertEquals(List.of(1200, 1000, 600), v1.getList("prices.unitPrice.amountMinor"));
        given().auth().oauth2(Tokens.bob()).get(prices(cluster) + "/versions/9").then().statusCode(404)
                .body("code", equalTo("PRICE_BOOK_NOT_FOUND"));
        given().auth().oauth2(Tokens.bob()).get(prices(cluster) + "/versions/first").then().statusCode(404)
                .body("code", equalTo("PRICE_BOOK_NOT_FOUND"));
        given().auth().oauth2(Tokens.bob()).queryParam("cursor", "bogus").get(prices(cluster) + "/versions").then()
                .statusCode(400).body("code", equalTo("INVALID_CURSOR"));
        book = read(cluster);
        assertEquals(5, book.getInt("version"));
        assertEquals(List.of(), book.getList("scheduled"));
        assertNull(offersByClass(cluster).get("ON_DEMAND").get("priceChange"));
        assertEquals(1250, minor(offersByClass(cluster).get("ON_DEMAND").get("unitPrice")));
    }

    @Test
    void a_time_past_or_too_far_ahead_is_refused_and_changes_nothing() {
        String cluster = World.cluster(1);
        record Case(String effectiveAt, String code) {}
        for (Case c : List.of(new Case(Instant.now().minusSeconds(60).toString(), "VALIDATION_FAILED"),
                new Case(Instant.now().plus(Duration.ofDays(367)).toString(), "VALIDATION_FAILED"))) {
            set(cluster, book(1500, 1000, null).replace("}]", "}],\"effectiveAt\":\"" + c.effectiveAt() + "\""))
                    .then().statusCode(400).body("code", equalTo(c.code()))
                    .body("errors[0].field", equalTo("effectiveAt"));
        }
        set(cluster, book(1500, 1000, null).replace("}]", "}],\"effectiveAt\":\"next monday\"")).then()
                .statusCode(400).body("detail", containsString("effectiveAt"));
        JsonPath book = read(cluster);
        assertEquals(1, book.getInt("version"));
        assertEquals(List.of(), book.getList("scheduled"));
        // 366 days ahead is the furthest taken.
        set(cluster, book(1500, 1000, Instant.now().plus(Duration.ofDays(366)).minusSeconds(60))).then()
                .statusCode(200).body("version", equalTo(2));
    }

    @Test
    void if_match_refuses_a_write_from_a_read_that_did_not_see_a_scheduled_change() {
        String cluster = World.cluster(1);
        String tag = given().auth().oauth2(Tokens.olga()).get(prices(cluster)).header("ETag");
        Instant at = Instant.now().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS);
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", tag)
                .body(book(1500, 1000, at)).put(prices(cluster)).then().statusCode(200).body("version", equalTo(2));
        // The book in force is the same, but the schedule changed: the old tag no longer matches.
        String now = given().auth().oauth2(Tokens.olga()).get(prices(cluster)).header("ETag");
        assertNotEquals(tag, now);
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", tag)
                .body(book(1300, 1000, null)).put(prices(cluster)).then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED")).header("ETag", now);
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", now)
                .body(book(1300, 1000, null)).put(prices(cluster)).then().statusCode(200).body("version", equalTo(3));

        // Six changes scheduled at once from one read: exactly one lands.
        String read = given().auth().oauth2(Tokens.olga()).get(prices(cluster)).header("ETag");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String body = book(1700 + i, 1000, at.plusSeconds(i));
                calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> given().auth()
                        .oauth2(Tokens.olga()).contentType("application/json").header("If-Match", read).body(body)
                        .put(prices(cluster)).statusCode(), pool));
            }
            List<Integer> statuses = calls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
            assertEquals(1, statuses.stream().filter(st -> st == 200).count(), "exactly one lands: " + statuses);
            assertEquals(5, statuses.stream().filter(st -> st == 412).count(), "the others are 412: " + statuses);
        } finally {
            pool.shutdown();
        }
        assertEquals(List.of(4), read(cluster).getList("scheduled.version"));
    }

    @Test
    void a_cluster_whose_first_book_is_scheduled_sells_nothing_until_then() {
        String cluster = given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"slug\":\"c-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "\",\"name\":\"Later\","
                        + "\"region\":\"cn-east\"}").post("/api/v1/clusters").then().statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.olga()).contentType("text/csv")
                .body("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n" + cluster.substring(0, 8)
                        + "-n1,ASCEND-910B,8,192000,1572864,r1,b1\n")
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
        Instant at = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
        set(cluster, book(1500, 1000, at)).then().statusCode(200).body("version", equalTo(1));
        given().auth().oauth2(Tokens.alice()).get(prices(cluster)).then().statusCode(404)
                .body("code", equalTo("PRICE_BOOK_NOT_FOUND")).body("detail", containsString(at.toString()));
        assertEquals(Map.of(), offersByClass(cluster));
        World.Tenant t = World.tenant();
        submit(t, cluster, "ON_DEMAND").then().statusCode(409).body("code", equalTo("NOT_FOR_SALE"));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\","
                        + "\"maxRunSeconds\":600}")
                .post("/api/v1/quotes").then().statusCode(409).body("code", equalTo("NOT_FOR_SALE"));
        // A conditional write needs a book in force to compare with.
        given().auth().oauth2(Tokens.olga()).contentType("application/json").header("If-Match", "*")
                .body(book(1400, 1000, null)).put(prices(cluster)).then().statusCode(412);
        set(cluster, book(1400, 1000, null)).then().statusCode(200).body("version", equalTo(2));
        assertEquals(List.of(), read(cluster).getList("scheduled"), "the first book was replaced");
    }
}
