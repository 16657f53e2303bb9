package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import city.myriad.support.History;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Reservations on a small cluster of 16 cards (two blocks of 8): the price they are sold at, the calendar that
 * never oversells (also under a race of buyers from two tenants), cancellation and its fee, and the walls
 * between tenants.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ReservationsTest {

    static final String ACME_PROJECT = "01930000-0000-7000-8000-00000000e101";
    static final String GLOBEX_PROJECT = "01930000-0000-7000-8000-00000000e201";
    static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(30));
    static String small;

    /** A cluster of 16 ASCEND-910B cards in two blocks of 8, RESERVED at 10.00 CNY, 10 % same-block premium. */
    static synchronized String small() {
        if (small == null) {
            small = given().auth().oauth2(Tokens.olga()).contentType("application/json")
                    .body("{\"slug\":\"small-" + UUID.randomUUID().toString().substring(0, 8) + "\",\"name\":\"Small\","
                            + "\"region\":\"cn-east\"}").post("/api/v1/clusters").then().statusCode(201).extract().path("id");
            given().auth().oauth2(Tokens.olga()).contentType("text/csv")
                    .body("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n"
                            + "s-n1,ASCEND-910B,8,192000,1572864,s-r1,s-b1\ns-n2,ASCEND-910B,8,192000,1572864,s-r2,s-b2\n")
                    .post("/api/v1/clusters/" + small + "/nodes").then().statusCode(200);
            given().auth().oauth2(Tokens.olga()).contentType("application/json")
                    .body("{\"prices\":[{\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\",\"unitPrice\":{\"amountMinor\":1000,"
                            + "\"currency\":\"CNY\"}}],\"sameBlockPremiumPercent\":10}")
                    .put("/api/v1/clusters/" + small + "/prices").then().statusCode(200);
        }
        return small;
    }

    static String body(String project, int cards, Instant start, Instant end, boolean sameBlock) {
        return "{\"clusterId\":\"" + small() + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\",\"cards\":"
                + cards + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\",\"sameBlock\":" + sameBlock + "}";
    }

    static Response buy(String token, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body).post("/api/v1/reservations");
    }

    @Test
    void a_reservation_is_sold_at_the_book_price_and_readable_by_its_tenant() {
        Instant start = BASE.plus(Duration.ofHours(1));
        int version = given().auth().oauth2(Tokens.alice()).get("/api/v1/clusters/" + small() + "/prices").then()
                .statusCode(200).extract().path("version");
        String id = buy(Tokens.alice(), body(ACME_PROJECT, 4, start, start.plus(Duration.ofHours(2)), false)).then()
                .statusCode(201).header("Location", startsWith("/api/v1/reservations/"))
                .body("state", equalTo("CONFIRMED")).body("unitPrice.amountMinor", equalTo(1000))
                .body("totalPrice.amountMinor", equalTo(8000)).body("priceBookVersion", equalTo(version))
                .extract().path("id");
        given().auth().oauth2(Tokens.amy()).get("/api/v1/reservations/" + id).then().statusCode(200)
                .body("cards", equalTo(4));
        given().auth().oauth2(Tokens.amy()).get("/api/v1/reservations?limit=500").then().statusCode(200)
                .body("items.id", hasItem(id));
        String block = buy(Tokens.alice(), body(ACME_PROJECT, 8, start, start.plus(Duration.ofMinutes(30)), true)).then()
                .statusCode(201).body("unitPrice.amountMinor", equalTo(1100)).body("totalPrice.amountMinor", equalTo(4400))
                .extract().path("block");
        assertTrue(block.equals("s-b1") || block.equals("s-b2"));
    }

    @Test
    void racing_buyers_from_two_tenants_get_exactly_the_capacity_and_the_rest_the_earliest_window() throws Exception {
        Instant start = BASE.plus(Duration.ofHours(100));
        Instant end = start.plus(Duration.ofHours(3));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Response> answers;
        try {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                boolean acme = i % 2 == 0;
                String token = acme ? Tokens.alice() : Tokens.bob();
                String b = body(acme ? ACME_PROJECT : GLOBEX_PROJECT, 4, start, end, false);
                calls.add(CompletableFuture.supplyAsync(() -> buy(token, b), pool));
            }
            answers = calls.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
        long sold = answers.stream().filter(r -> r.statusCode() == 201).count();
        assertEquals(4, sold, "16 cards, 4 each: exactly 4 buyers win");
        for (Response r : answers) {
            if (r.statusCode() != 201) {
                assertEquals(409, r.statusCode(), r.asString());
                assertEquals("CAPACITY_UNAVAILABLE", r.path("code"));
                assertEquals(end.toString(), r.path("earliestWindow.startAt"));
            }
        }
        int held = 0;
        for (String token : List.of(Tokens.alice(), Tokens.bob())) {
            List<Integer> cards = given().auth().oauth2(token).get("/api/v1/reservations?limit=500").jsonPath()
                    .getList("items.findAll { it.startAt == '" + start + "' }.cards");
            held += cards.stream().mapToInt(Integer::intValue).sum();
        }
        assertEquals(16, held, "what the tenants hold adds up to the capacity, nothing half-written");
    }

    @Test
    void more_cards_than_exist_is_refused_without_a_window() {
        Instant start = BASE.plus(Duration.ofHours(200));
        buy(Tokens.alice(), body(ACME_PROJECT, 17, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE")).body("earliestWindow", org.hamcrest.Matchers.nullValue());
        buy(Tokens.alice(), body(ACME_PROJECT, 9, start, start.plus(Duration.ofHours(1)), true)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
    }

    @Test
    void cancelling_releases_the_cards_with_the_fee_the_rule_says() {
        Instant start = BASE.plus(Duration.ofHours(300));
        String id = buy(Tokens.alice(), body(ACME_PROJECT, 16, start, start.plus(Duration.ofHours(1)), false)).then()
                .statusCode(201).extract().path("id");
        buy(Tokens.bob(), body(GLOBEX_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(409);
        given().auth().oauth2(Tokens.amy()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(Tokens.bob()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(404)
                .body("code", equalTo("RESERVATION_NOT_FOUND"));
        given().auth().oauth2(Tokens.alice()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("cancellationFee.amountMinor", equalTo(0));
        given().auth().oauth2(Tokens.alice()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(409)
                .body("code", equalTo("RESERVATION_NOT_CANCELLABLE"));
        buy(Tokens.bob(), body(GLOBEX_PROJECT, 16, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(201);

        Instant soon = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        String late = buy(Tokens.alice(), body(ACME_PROJECT, 2, soon, soon.plus(Duration.ofHours(1)), false)).then()
                .statusCode(201).body("totalPrice.amountMinor", equalTo(2000)).extract().path("id");
        given().auth().oauth2(Tokens.alice()).post("/api/v1/reservations/" + late + "/cancel").then().statusCode(200)
                .body("cancellationFee.amountMinor", equalTo(1000));
    }

    @Inject
    Pool db;

    @Test
    void the_list_narrows_to_a_state_as_of_now_a_project_and_a_cluster() {
        World.Tenant t = World.tenant();
        String lab = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"slug\":\"lab\",\"name\":\"Lab\"}").post("/api/v1/tenants/" + t.id() + "/projects").then()
                .statusCode(201).extract().path("id");
        String c1 = World.cluster(1);
        String c2 = World.cluster(1);
        Instant now = Instant.now();
        Instant bought = now.minus(Duration.ofDays(2));
        Map<String, String> ids = Map.of(
                "ACTIVE", History.reserved(db, t.id(), t.projectId(), c1, 8, now.minus(Duration.ofHours(1)),
                        now.plus(Duration.ofHours(1)), 16000, bought, null, null).toString(),
                "ENDED", History.reserved(db, t.id(), lab, c1, 8, now.minus(Duration.ofHours(3)),
                        now.minus(Duration.ofHours(2)), 8000, bought, null, null).toString(),
                "CONFIRMED", History.reserved(db, t.id(), t.projectId(), c2, 8, now.plus(Duration.ofDays(1)),
                        now.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)), 8000, bought, null, null).toString(),
                "CANCELLED", History.reserved(db, t.id(), lab, c2, 8, now.plus(Duration.ofDays(2)),
                        now.plus(Duration.ofDays(2)).plus(Duration.ofHours(1)), 8000, bought, bought.plusSeconds(60), 0L)
                        .toString());
        for (Map.Entry<String, String> e : ids.entrySet()) {
            given().auth().oauth2(t.member()).get("/api/v1/reservations?state=" + e.getKey()).then().statusCode(200)
                    .body("items.id", equalTo(List.of(e.getValue()))).body("items[0].state", equalTo(e.getKey()));
        }
        assertEquals(List.of(ids.get("ACTIVE"), ids.get("ENDED")).stream().sorted().toList(), given().auth()
                .oauth2(t.member()).get("/api/v1/reservations?clusterId=" + c1).then().statusCode(200).extract()
                .jsonPath().getList("items.id"));
        assertEquals(List.of(ids.get("ENDED"), ids.get("CANCELLED")).stream().sorted().toList(), given().auth()
                .oauth2(t.member()).get("/api/v1/reservations?projectId=" + lab).then().statusCode(200).extract()
                .jsonPath().getList("items.id"));
        given().auth().oauth2(t.member()).get("/api/v1/reservations?projectId=" + lab + "&clusterId=" + c2
                + "&state=CANCELLED").then().statusCode(200).body("items.id", equalTo(List.of(ids.get("CANCELLED"))));
        given().auth().oauth2(t.member()).get("/api/v1/reservations?projectId=" + ACME_PROJECT).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));  // another tenant's project is none of this one's
        given().auth().oauth2(t.member()).get("/api/v1/reservations?state=active").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("state"));
        // Pages follow the filters: a cursor of one state's list is not one of another's.
        String cursor = given().auth().oauth2(t.member()).get("/api/v1/reservations?clusterId=" + c1 + "&limit=1")
                .then().statusCode(200).body("items.size()", equalTo(1)).extract().path("nextCursor");
        given().auth().oauth2(t.member()).get("/api/v1/reservations?clusterId=" + c1 + "&limit=1&cursor=" + cursor)
                .then().statusCode(200).body("items.size()", equalTo(1));
        given().auth().oauth2(t.member()).get("/api/v1/reservations?clusterId=" + c2 + "&limit=1&cursor=" + cursor)
                .then().statusCode(400).body("code", equalTo("INVALID_CURSOR"));
    }

    @Test
    void other_tenants_members_operators_and_strangers_are_walled_off() {
        Instant start = BASE.plus(Duration.ofHours(400));
        String id = buy(Tokens.alice(), body(ACME_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false)).then()
                .statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.bob()).get("/api/v1/reservations/" + id).then().statusCode(404)
                .body("code", equalTo("RESERVATION_NOT_FOUND"));
        given().auth().oauth2(Tokens.bob()).get("/api/v1/reservations?limit=500").then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.not(hasItem(id)));
        buy(Tokens.bob(), body(ACME_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
        buy(Tokens.amy(), body(ACME_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        buy(Tokens.olga(), body(ACME_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false)).then().statusCode(403)
                .body("code", equalTo("NO_TENANT"));
        given().get("/api/v1/reservations/" + id).then().statusCode(401);
    }

    @Test
    void a_window_in_the_past_backwards_or_of_an_unknown_model_is_refused() {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        buy(Tokens.alice(), body(ACME_PROJECT, 1, past, past.plus(Duration.ofHours(1)), false)).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("startAt"));
        Instant start = BASE.plus(Duration.ofHours(500));
        buy(Tokens.alice(), body(ACME_PROJECT, 1, start, start, false)).then().statusCode(400)
                .body("errors[0].field", equalTo("endAt"));
        buy(Tokens.alice(), body(ACME_PROJECT, 1, start, start.plus(Duration.ofHours(1)), false).replace("ASCEND-910B", "H100"))
                .then().statusCode(400).body("code", equalTo("UNKNOWN_MODEL"));
    }

    @Test
    void a_reservation_counts_against_the_budget_and_the_card_quota_and_racing_buyers_cannot_both_use_the_headroom()
            throws Exception {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\","
                        + "\"limit\":6}],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        Instant start = BASE.plus(Duration.ofHours(600));
        // cards from hour `from` to hour `to` of the window's day
        java.util.function.IntFunction<java.util.function.BiFunction<Integer, Integer, String>> order = cards -> (from,
                to) -> "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":" + cards + ",\"startAt\":\""
                + start.plus(Duration.ofHours(from)) + "\",\"endAt\":\"" + start.plus(Duration.ofHours(to)) + "\"}";

        // More cards than RESERVED work may ever use there at once: refused before it is priced or held.
        buy(t.admin(), order.apply(8).apply(0, 1)).then().statusCode(422).body("code", equalTo("QUOTA_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("quota of 6"));
        // 4 cards x 2 h x 10.00 = 80.00 CNY of the 100.00 budget.
        buy(t.admin(), order.apply(4).apply(0, 2)).then().statusCode(201).body("totalPrice.amountMinor", equalTo(8000));
        // 3 more in its second hour would be 7 at once: refused; the same 3 an hour later fit the quota, but their
        // 30.00 would pass the budget: refused too. Nothing held or written.
        buy(t.admin(), order.apply(3).apply(1, 2)).then().statusCode(422).body("code", equalTo("QUOTA_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("with 4 already reserved at once"));
        buy(t.admin(), order.apply(3).apply(2, 3)).then().statusCode(422).body("code", equalTo("BUDGET_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("The reservation costs 3000 CNY"))
                .body("detail", org.hamcrest.Matchers.containsString("8000 already committed"));
        // The tenant reads what admission added up (any of its roles): the reservation's 80.00, 20.00 left.
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/budget").then().statusCode(200)
                .body("budget.amountMinor", equalTo(10000)).body("reservations.amountMinor", equalTo(8000))
                .body("jobs.amountMinor", equalTo(0)).body("billed.amountMinor", equalTo(0))
                .body("committed.amountMinor", equalTo(8000)).body("remaining.amountMinor", equalTo(2000))
                .body("committedPercent", equalTo(80.0f));
        // Reservations and jobs draw on one budget: a job projected at 2 x 1 h x 12.00 = 24.00 is refused too.
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":\"ASCEND-910B\","
                        + "\"cards\":2,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":3600}")
                .post("/api/v1/jobs").then().statusCode(422).body("code", equalTo("BUDGET_EXCEEDED"));
        // A retried purchase is answered, not checked again: 1 x 1 h = 10.00, then the same key once more.
        String key = UUID.randomUUID().toString();
        String first = given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(order.apply(1).apply(2, 3)).post("/api/v1/reservations").then().statusCode(201)
                .extract().path("id");
        String again = given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(order.apply(1).apply(2, 3)).post("/api/v1/reservations").then().statusCode(201)
                .extract().path("id");
        assertEquals(first, again);
        // 10.00 left: of eight buyers of 10.00 at once, on four clusters (whose calendars lock apart), exactly one
        // fits under it (without the budget lock two or more did in 2 runs of 3).
        List<String> orders = new ArrayList<>(List.of(order.apply(1).apply(2, 3)));
        for (int c = 0; c < 3; c++) {
            orders.add(order.apply(1).apply(2, 3).replace(cluster, World.cluster(1)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Response> answers;
        try {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String b = orders.get(i % orders.size());
                calls.add(CompletableFuture.supplyAsync(() -> buy(t.admin(), b), pool));
            }
            answers = calls.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
        assertEquals(List.of(201, 422, 422, 422, 422, 422, 422, 422), answers.stream().map(Response::statusCode)
                .sorted().toList(), answers.stream().map(Response::asString).toList().toString());
        answers.stream().filter(r -> r.statusCode() == 422)
                .forEach(r -> assertEquals("BUDGET_EXCEEDED", r.path("code"), r.asString()));
        List<Integer> totals = given().auth().oauth2(t.admin()).get("/api/v1/reservations?limit=500").then()
                .statusCode(200).extract().path("items.totalPrice.amountMinor");
        assertEquals(List.of(1000, 1000, 8000), totals.stream().sorted().toList(), "the budget, exactly: 100.00");
    }

    @Test
    void a_project_quota_bounds_the_projects_reservations_and_the_tenants_bounds_them_all() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String other = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"slug\":\"other\",\"name\":\"Other\"}").post("/api/v1/tenants/" + t.id() + "/projects")
                .then().statusCode(201).extract().path("id");
        String limit = "{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"limit\":%d}]}";
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(limit.formatted(8))
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        given().auth().oauth2(t.admin()).contentType("application/json").body(limit.formatted(5))
                .put("/api/v1/tenants/" + t.id() + "/projects/" + t.projectId() + "/quotas").then().statusCode(200);
        Instant start = BASE.plus(Duration.ofHours(700));
        java.util.function.BiFunction<String, Integer, String> order = (project, cards) -> "{\"clusterId\":\"" + cluster
                + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\",\"cards\":" + cards
                + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + start.plus(Duration.ofHours(1)) + "\"}";
        // The class-less limits bind RESERVED work: the project may hold 5 at once, the tenant 8.
        buy(t.admin(), order.apply(t.projectId(), 4)).then().statusCode(201);
        buy(t.admin(), order.apply(t.projectId(), 2)).then().statusCode(422).body("code", equalTo("QUOTA_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("project's quota of 5"));
        buy(t.admin(), order.apply(other, 4)).then().statusCode(201);
        buy(t.admin(), order.apply(other, 1)).then().statusCode(422).body("code", equalTo("QUOTA_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("tenant's quota of 8"));
        // The window after the first: nothing held at once, so the project's 5 are free again.
        buy(t.admin(), order.apply(t.projectId(), 5).replace(start.plus(Duration.ofHours(1)).toString(),
                start.plus(Duration.ofHours(2)).toString()).replace(start.toString(),
                start.plus(Duration.ofHours(1)).toString())).then().statusCode(201);
    }
}
