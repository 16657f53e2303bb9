package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Quotes: the price and the earliest start in one call, and a reservation made with a quote gets its price. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class QuotesTest {

    static final Instant BASE = ReservationsTest.BASE.plus(Duration.ofDays(3));

    static String quote(String cluster, int cards, String cls, Instant start, Instant end, Long maxRun) {
        return "{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":" + cards + ",\"class\":\"" + cls
                + "\"" + (start == null ? "" : ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\"")
                + (maxRun == null ? "" : ",\"maxRunSeconds\":" + maxRun) + "}";
    }

    @Test
    void a_reservation_quote_gives_the_price_and_the_earliest_window_and_its_price_is_kept() {
        String cluster = ReservationsTest.small();
        Instant start = BASE;
        Instant end = start.plus(Duration.ofHours(2));
        // 12 of 16 cards are sold for the window: a quote for 8 must start when they are released.
        ReservationsTest.buy(Tokens.bob(), ReservationsTest.body(ReservationsTest.GLOBEX_PROJECT, 12, start, end, false))
                .then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .body(quote(cluster, 8, "RESERVED", start, end, null)).post("/api/v1/quotes").then().statusCode(201)
                .body("earliestStartAt", equalTo(end.toString())).body("totalPrice.amountMinor", equalTo(16000));
        String quoteId = given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .body(quote(cluster, 4, "RESERVED", start, end, null)).post("/api/v1/quotes").then().statusCode(201)
                .body("earliestStartAt", equalTo(start.toString())).body("unitPrice.amountMinor", equalTo(1000))
                .extract().path("id");
        // Any role of the tenant reads it back as it was made; another tenant, nobody, or no such quote: not found.
        given().auth().oauth2(Tokens.amy()).get("/api/v1/quotes/" + quoteId).then().statusCode(200)
                .body("id", equalTo(quoteId)).body("state", equalTo("OPEN")).body("cards", equalTo(4)).body("class", equalTo("RESERVED"))
                .body("unitPrice.amountMinor", equalTo(1000)).body("startAt", equalTo(start.toString()));
        given().auth().oauth2(Tokens.bob()).get("/api/v1/quotes/" + quoteId).then().statusCode(404)
                .body("code", equalTo("QUOTE_NOT_FOUND"));
        given().auth().oauth2(Tokens.alice()).get("/api/v1/quotes/" + java.util.UUID.randomUUID()).then()
                .statusCode(404).body("code", equalTo("QUOTE_NOT_FOUND"));
        given().get("/api/v1/quotes/" + quoteId).then().statusCode(401);
        // The operator raises the price; the quote keeps the old one.
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[{\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\",\"unitPrice\":{\"amountMinor\":5000,"
                        + "\"currency\":\"CNY\"}}],\"sameBlockPremiumPercent\":10}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
        // Another shape, or another tenant, cannot use it (and the refusals do not use it up).
        ReservationsTest.buy(Tokens.alice(), ReservationsTest.body(ReservationsTest.ACME_PROJECT, 3, end,
                end.plus(Duration.ofHours(2)), false).replace("}", ",\"quoteId\":\"" + quoteId + "\"}"))
                .then().statusCode(400).body("code", equalTo("QUOTE_MISMATCH"));
        ReservationsTest.buy(Tokens.bob(), ReservationsTest.body(ReservationsTest.GLOBEX_PROJECT, 4, start, end, false)
                .replace("}", ",\"quoteId\":\"" + quoteId + "\"}")).then().statusCode(404)
                .body("code", equalTo("QUOTE_NOT_FOUND"));
        String withQuote = ReservationsTest.body(ReservationsTest.ACME_PROJECT, 4, start, end, false)
                .replace("}", ",\"quoteId\":\"" + quoteId + "\"}");
        String key = "quote-" + quoteId;
        String bought = given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .header("Idempotency-Key", key).body(withQuote).post("/api/v1/reservations").then().statusCode(201)
                .body("unitPrice.amountMinor", equalTo(1000)).body("totalPrice.amountMinor", equalTo(8000))
                .extract().path("id");
        // A quote prices one purchase: a retry with the key answers the first; a second purchase is refused, and
        // the quote says which purchase used it.
        given().auth().oauth2(Tokens.alice()).contentType("application/json").header("Idempotency-Key", key)
                .body(withQuote).post("/api/v1/reservations").then().statusCode(201).body("id", equalTo(bought));
        ReservationsTest.buy(Tokens.alice(), withQuote).then().statusCode(409).body("code", equalTo("QUOTE_USED"))
                .body("detail", org.hamcrest.Matchers.containsString(bought));
        given().auth().oauth2(Tokens.amy()).get("/api/v1/quotes/" + quoteId).then().statusCode(200)
                .body("usedBy", equalTo(bought)).body("state", equalTo("USED"));
        // A request for another shape is told so first, used or not.
        ReservationsTest.buy(Tokens.alice(), ReservationsTest.body(ReservationsTest.ACME_PROJECT, 3, start, end, false)
                .replace("}", ",\"quoteId\":\"" + quoteId + "\"}")).then().statusCode(400)
                .body("code", equalTo("QUOTE_MISMATCH"));
        // Without a quote, the book in force applies.
        ReservationsTest.buy(Tokens.alice(), ReservationsTest.body(ReservationsTest.ACME_PROJECT, 1, end,
                end.plus(Duration.ofHours(1)), false)).then().statusCode(201).body("unitPrice.amountMinor", equalTo(5000));
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[{\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\",\"unitPrice\":{\"amountMinor\":1000,"
                        + "\"currency\":\"CNY\"}}],\"sameBlockPremiumPercent\":10}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
    }

    @Test
    void a_job_quote_prices_its_longest_run_and_refuses_what_the_book_does_not_sell() {
        String hangzhou = city.myriad.demo.DemoData.HANGZHOU_CLUSTER.toString();
        given().auth().oauth2(Tokens.amy()).contentType("application/json")
                .body(quote(hangzhou, 8, "ON_DEMAND", null, null, 1800L)).post("/api/v1/quotes").then().statusCode(201)
                .body("class", equalTo("ON_DEMAND")).body("maxRunSeconds", equalTo(1800));
        given().auth().oauth2(Tokens.amy()).contentType("application/json")
                .body(quote(ReservationsTest.small(), 8, "SPOT", null, null, 1800L)).post("/api/v1/quotes").then()
                .statusCode(409).body("code", equalTo("NOT_FOR_SALE"));
        given().auth().oauth2(Tokens.amy()).contentType("application/json")
                .body(quote(hangzhou, 8, "ON_DEMAND", null, null, null)).post("/api/v1/quotes").then().statusCode(400)
                .body("errors[0].field", equalTo("maxRunSeconds"));
        given().auth().oauth2(Tokens.amy()).contentType("application/json")
                .body(quote(hangzhou, 8, "RESERVED", null, null, null)).post("/api/v1/quotes").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body(quote(hangzhou, 8, "ON_DEMAND", null, null, 60L)).post("/api/v1/quotes").then().statusCode(403)
                .body("code", equalTo("NO_TENANT"));
    }

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void an_expired_quote_prices_nothing_more_but_a_keyed_retry_still_answers_the_purchase_made_with_it() {
        String cluster = city.myriad.support.World.cluster(1);
        city.myriad.support.World.Tenant t = city.myriad.support.World.tenant();
        Instant start = Instant.now().plus(Duration.ofDays(4)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String made = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                + "\"ASCEND-910B\",\"cards\":2,\"startAt\":\"" + start + "\",\"endAt\":\"" + start.plusSeconds(3600)
                + "\",\"quoteId\":\"%s\"}";
        String first = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote(cluster, 2, "RESERVED", start, start.plusSeconds(3600), null)).post("/api/v1/quotes")
                .then().statusCode(201).body("state", equalTo("OPEN")).extract().path("id");
        String second = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote(cluster, 2, "RESERVED", start, start.plusSeconds(3600), null)).post("/api/v1/quotes")
                .then().statusCode(201).extract().path("id");
        String bought = given().auth().oauth2(t.admin()).contentType("application/json")
                .header("Idempotency-Key", "exp-" + first).body(made.formatted(first)).post("/api/v1/reservations")
                .then().statusCode(201).extract().path("id");
        // Both quotes' time runs out (as if ten minutes had passed).
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("update quotes set expires_at = now() - interval '1 second' "
                        + "where id = any($1)").execute(io.vertx.mutiny.sqlclient.Tuple.of(new java.util.UUID[] {
                        java.util.UUID.fromString(first), java.util.UUID.fromString(second)}))))
                .await().indefinitely();
        given().auth().oauth2(t.admin()).get("/api/v1/quotes/" + second).then().statusCode(200)
                .body("state", equalTo("EXPIRED"));
        given().auth().oauth2(t.admin()).contentType("application/json").body(made.formatted(second))
                .post("/api/v1/reservations").then().statusCode(409).body("code", equalTo("QUOTE_EXPIRED"));
        // The purchase made in time is answered again to a retry with its key (before: 409 QUOTE_EXPIRED).
        given().auth().oauth2(t.admin()).contentType("application/json").header("Idempotency-Key", "exp-" + first)
                .body(made.formatted(first)).post("/api/v1/reservations").then().statusCode(201)
                .body("id", equalTo(bought));
        given().auth().oauth2(t.admin()).get("/api/v1/quotes/" + first).then().body("state", equalTo("USED"));
    }

    @Test
    void a_quote_made_with_nanosecond_times_is_honoured_though_the_database_keeps_microseconds() {
        String cluster = city.myriad.support.World.cluster(1);
        city.myriad.support.World.Tenant t = city.myriad.support.World.tenant();
        Instant start = Instant.now().plus(Duration.ofDays(3)).plusNanos(123_456_789 - Instant.now().getNano());
        Instant end = start.plus(Duration.ofHours(1));
        String quoteId = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote(cluster, 2, "RESERVED", start, end, null)).post("/api/v1/quotes").then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":\"ASCEND-910B\","
                        + "\"cards\":2,\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\",\"quoteId\":\"" + quoteId + "\"}")
                .post("/api/v1/reservations").then().statusCode(201).body("unitPrice.amountMinor", equalTo(1000));
    }

    @Test
    void a_spot_quote_is_priced_at_the_utilization_the_offers_show_and_a_job_made_with_it_pays_that() throws Exception {
        String cluster = city.myriad.support.World.cluster(2);
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[" + PriceBooksTest.price("ASCEND-910B", "ON_DEMAND", 1200, "CNY") + ","
                        + PriceBooksTest.spot(600, 400, 1000) + "],\"sameBlockPremiumPercent\":10}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
        city.myriad.support.World.Tenant t = city.myriad.support.World.tenant();
        String job = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":%d,\"class\":\"%s\",\"maxRunSeconds\":%d%s}";
        // 8 of the 16 cards run on-demand work: utilization 0.5, so spot costs 400 + (1000 - 400) x 0.5 = 700.
        String busy = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(job.formatted(8, "ON_DEMAND", 36_000, "")).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Integer offered = null;
        while (Instant.now().isBefore(deadline) && !Integer.valueOf(700).equals(offered)) {
            Thread.sleep(100);  // the loop reports the cards in use to the catalog within its 2 s refresh
            offered = given().auth().oauth2(t.admin()).get("/api/v1/offers?clusterId=" + cluster + "&class=SPOT")
                    .then().statusCode(200).extract().path("items[0].unitPrice.amountMinor");
        }
        org.junit.jupiter.api.Assertions.assertEquals(700, offered, "the offer at utilization 0.5");
        String quoteId = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote(cluster, 4, "SPOT", null, null, 3600L)).post("/api/v1/quotes").then().statusCode(201)
                .body("unitPrice.amountMinor", equalTo(700)).body("totalPrice.amountMinor", equalTo(2800))
                .extract().path("id");
        // Eight submissions with the one quote at once: one job is made at the quote's price, the others are
        // refused QUOTE_USED (the plain submission path, with its group commits, decides as the keyed one does).
        String withQuote = job.formatted(4, "SPOT", 3600, ",\"quoteId\":\"" + quoteId + "\"");
        java.util.List<java.util.concurrent.CompletableFuture<io.restassured.response.Response>> racing =
                new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            racing.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> given().auth().oauth2(t.admin())
                    .contentType("application/json").body(withQuote).post("/api/v1/jobs")));
        }
        java.util.List<io.restassured.response.Response> answers = racing.stream()
                .map(java.util.concurrent.CompletableFuture::join).toList();
        java.util.List<io.restassured.response.Response> made = answers.stream().filter(r -> r.statusCode() == 201)
                .toList();
        org.junit.jupiter.api.Assertions.assertEquals(1, made.size(), "one job per quote");
        org.junit.jupiter.api.Assertions.assertTrue(answers.stream().filter(r -> r.statusCode() != 201)
                .allMatch(r -> r.statusCode() == 409 && "QUOTE_USED".equals(r.path("code"))));
        String spot = made.get(0).path("id");
        org.junit.jupiter.api.Assertions.assertEquals(700, (int) made.get(0).path("unitPrice.amountMinor"));
        given().auth().oauth2(t.admin()).get("/api/v1/quotes/" + quoteId).then().statusCode(200)
                .body("usedBy", equalTo(spot));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body(job.formatted(2, "SPOT", 3600, ",\"quoteId\":\"" + quoteId + "\"")).post("/api/v1/jobs").then()
                .statusCode(400).body("code", equalTo("QUOTE_MISMATCH"));
        // On the keyed path (the ORM's transaction) too: the purchase uses its quote, a retry answers it.
        String second = given().auth().oauth2(t.admin()).contentType("application/json")
                .body(quote(cluster, 4, "SPOT", null, null, 3600L)).post("/api/v1/quotes").then().statusCode(201)
                .extract().path("id");
        String keyed = job.formatted(4, "SPOT", 3600, ",\"quoteId\":\"" + second + "\"");
        String viaKey = given().auth().oauth2(t.admin()).contentType("application/json")
                .header("Idempotency-Key", "spot-" + second).body(keyed).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(t.admin()).contentType("application/json").header("Idempotency-Key", "spot-" + second)
                .body(keyed).post("/api/v1/jobs").then().statusCode(201).body("id", equalTo(viaKey));
        given().auth().oauth2(t.admin()).contentType("application/json").header("Idempotency-Key", "other-" + second)
                .body(keyed).post("/api/v1/jobs").then().statusCode(409).body("code", equalTo("QUOTE_USED"));
        given().auth().oauth2(t.admin()).get("/api/v1/quotes/" + second).then().body("usedBy", equalTo(viaKey));
        for (String id : java.util.List.of(busy, spot, viaKey)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }
}
