package city.myriad.market;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.market.service.ReservationNotices;
import city.myriad.platform.time.Period;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
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
 * Extending a reservation (`extendReservation`): the window added is bought at the price in force, held in the
 * calendar like a purchase (never oversold, its block kept, also under a race with other buyers), billed on its own
 * line, given back by a cancellation; a retry extends once; only the owner's admin extends a live reservation.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ReservationExtensionsTest {

    static Response reserve(World.Tenant t, String cluster, int cards, Instant start, Instant end, boolean sameBlock) {
        return given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":" + cards + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end
                        + "\",\"sameBlock\":" + sameBlock + "}")
                .post("/api/v1/reservations");
    }

    static Response extend(String token, String reservation, Instant endAt, String key) {
        var request = given().auth().oauth2(token).contentType("application/json")
                .body("{\"endAt\":\"" + endAt + "\"}");
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.post("/api/v1/reservations/" + reservation + "/extensions");
    }

    static JsonPath reservation(String token, String id) {
        return given().auth().oauth2(token).get("/api/v1/reservations/" + id).then().statusCode(200).extract()
                .jsonPath();
    }

    static List<Map<String, Object>> extensions(String token, String id) {
        return given().auth().oauth2(token).get("/api/v1/reservations/" + id + "/extensions").then().statusCode(200)
                .extract().jsonPath().getList("items");
    }

    /** This month's draft invoice of the tenant, as its billing viewer reads it. */
    static JsonPath draft(World.Tenant t) {
        List<Map<String, Object>> items = given().auth().oauth2(t.viewer())
                .queryParam("period", Period.of(Instant.now()).toString()).get("/api/v1/invoices").then()
                .statusCode(200).extract().jsonPath().getList("items");
        assertEquals(1, items.size(), items.toString());
        return given().auth().oauth2(t.viewer()).get("/api/v1/invoices/" + items.get(0).get("id")).then()
                .statusCode(200).extract().jsonPath();
    }

    static Map<String, Object> line(JsonPath invoice, String kind) {
        List<Map<String, Object>> lines = invoice.<Map<String, Object>>getList("lines").stream()
                .filter(l -> kind.equals(l.get("kind"))).toList();
        assertEquals(1, lines.size(), kind + " in " + invoice.prettify());
        return lines.get(0);
    }

    static long amount(Map<String, Object> line) {
        return ((Number) ((Map<?, ?>) line.get("amount")).get("amountMinor")).longValue();
    }

    static void price(String cluster, long reservedMinor) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[{\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\",\"unitPrice\":{\"amountMinor\":"
                        + reservedMinor + ",\"currency\":\"CNY\"}}],\"sameBlockPremiumPercent\":10}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
    }

    @Test
    void an_active_reservation_is_extended_at_the_price_in_force_keeps_its_id_and_a_retry_extends_once() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant end = start.plus(Duration.ofHours(2));
        String id = reserve(t, cluster, 4, start, end, false).then().statusCode(201)
                .body("totalPrice.amountMinor", equalTo(8000)).extract().path("id");
        assertEquals("ACTIVE", reservation(t.admin(), id).getString("state"));
        price(cluster, 1500);  // the price goes up after the purchase: the extension pays today's
        int version = given().auth().oauth2(t.admin()).get("/api/v1/clusters/" + cluster + "/prices").then()
                .statusCode(200).extract().path("version");

        Instant newEnd = end.plus(Duration.ofHours(3));
        String key = "extend-" + UUID.randomUUID();
        Response made = extend(t.admin(), id, newEnd, key);
        made.then().statusCode(201).header("Idempotent-Replayed", "false")
                .body("reservationId", equalTo(id))
                .body("fromAt", equalTo(end.toString())).body("toAt", equalTo(newEnd.toString()))
                .body("cards", equalTo(4)).body("unitPrice.amountMinor", equalTo(1500))
                .body("totalPrice.amountMinor", equalTo(1500 * 4 * 3)).body("priceBookVersion", equalTo(version))
                .body("reservation.id", equalTo(id)).body("reservation.state", equalTo("ACTIVE"))
                .body("reservation.endAt", equalTo(newEnd.toString()))
                .body("reservation.boughtEndAt", equalTo(end.toString()))
                .body("reservation.totalPrice.amountMinor", equalTo(8000))
                .body("reservation.extensionsPrice.amountMinor", equalTo(18000));
        String extension = made.path("id");
        assertEquals("/api/v1/reservations/" + id + "/extensions/" + extension, made.header("Location"));

        // A retry with the key answers the extension made; nothing is bought twice.
        extend(t.admin(), id, newEnd, key).then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("id", equalTo(extension));
        List<Map<String, Object>> listed = extensions(t.member(), id);
        assertEquals(1, listed.size(), listed.toString());
        assertEquals(extension, listed.get(0).get("id"));
        assertEquals(null, listed.get(0).get("reservation"), "the list does not repeat the reservation");
        given().auth().oauth2(t.member()).get(made.header("Location")).then().statusCode(200)
                .body("totalPrice.amountMinor", equalTo(18000));
        JsonPath now = reservation(t.member(), id);
        assertEquals(newEnd.toString(), now.getString("endAt"));
        assertEquals(end.toString(), now.getString("boughtEndAt"));

        // Billed on its own line beside the purchase (the purchase's window as bought), on this month's draft.
        JsonPath draft = draft(t);
        Map<String, Object> bought = line(draft, "RESERVATION");
        assertEquals(8000, amount(bought));
        assertEquals(end.toString(), bought.get("to"));
        assertEquals(0, new BigDecimal("8").compareTo(new BigDecimal(bought.get("gpuHours").toString())));
        Map<String, Object> added = line(draft, "RESERVATION_EXTENSION");
        assertEquals(18000, amount(added));
        assertEquals(id, added.get("reservationId"));
        assertEquals(end.toString(), added.get("from"));
        assertEquals(newEnd.toString(), added.get("to"));
        assertEquals(0, new BigDecimal("12").compareTo(new BigDecimal(added.get("gpuHours").toString())));
        assertEquals(26000, draft.getLong("total.amountMinor"));
    }

    @Test
    void an_extension_the_calendar_cannot_hold_is_refused_with_the_latest_end_that_fits_and_changes_nothing() {
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String cluster = World.cluster(2);  // 16 cards, one block
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(3));
        Instant end = start.plus(Duration.ofHours(2));
        String id = reserve(a, cluster, 12, start, end, false).then().statusCode(201).extract().path("id");
        reserve(b, cluster, 8, end.plus(Duration.ofHours(2)), end.plus(Duration.ofHours(5)), false).then()
                .statusCode(201);

        // Asked first, nothing bought: 4 hours more are not free, 2 are; the price of what was asked.
        String offer = "/api/v1/reservations/" + id + "/extension-offer";
        given().auth().oauth2(a.member()).queryParam("endAt", end.plus(Duration.ofHours(4)).toString()).get(offer)
                .then().statusCode(200).body("available", equalTo(false))
                .body("fromAt", equalTo(end.toString()))
                .body("latestEndAt", equalTo(end.plus(Duration.ofHours(2)).toString()))
                .body("totalPrice.amountMinor", equalTo(1000 * 12 * 4));
        given().auth().oauth2(a.member()).queryParam("endAt", end.plus(Duration.ofHours(2)).toString()).get(offer)
                .then().statusCode(200).body("available", equalTo(true))
                .body("latestEndAt", equalTo(end.plus(Duration.ofHours(2)).toString()));
        given().auth().oauth2(a.member()).get(offer).then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(b.admin()).queryParam("endAt", end.plus(Duration.ofHours(2)).toString()).get(offer)
                .then().statusCode(404);
        extend(a.admin(), id, end.plus(Duration.ofHours(4)), null).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"))
                .body("latestEndAt", equalTo(end.plus(Duration.ofHours(2)).toString()))
                .body("earliestWindow", nullValue());
        assertEquals(end.toString(), reservation(a.admin(), id).getString("endAt"), "nothing changed");
        assertEquals(List.of(), extensions(a.admin(), id));

        extend(a.admin(), id, end.plus(Duration.ofHours(2)), null).then().statusCode(201);
        // The calendar holds the cards added: another buyer cannot have them.
        reserve(b, cluster, 8, end, end.plus(Duration.ofHours(1)), false).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        // Not a moment more is free after it: no latest end to offer.
        extend(a.admin(), id, end.plus(Duration.ofHours(3)), null).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE")).body("latestEndAt", nullValue());
        assertEquals(end.plus(Duration.ofHours(2)).toString(), reservation(a.admin(), id).getString("endAt"));
    }

    @Test
    void a_same_block_reservation_is_extended_only_in_its_own_block() {
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String cluster = World.cluster(4);  // two blocks of 16 cards
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(4));
        Instant end = start.plus(Duration.ofHours(2));
        Response mine = reserve(a, cluster, 16, start, end, true);
        mine.then().statusCode(201);
        String block = mine.path("block");
        // The next buyer of a block from the end gets the same block (the first by name free then).
        Response theirs = reserve(b, cluster, 16, end, end.plus(Duration.ofHours(1)), true);
        theirs.then().statusCode(201);
        assertEquals(block, theirs.path("block"));
        // 16 cards are free in the other block, but the reservation's cards are in its own: refused.
        extend(a.admin(), mine.path("id"), end.plus(Duration.ofHours(1)), null).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE")).body("latestEndAt", nullValue());
        // Past the other buyer's window its block is free again, but an extension is one unbroken window.
        extend(a.admin(), mine.path("id"), end.plus(Duration.ofHours(2)), null).then().statusCode(409);
        // An anywhere reservation of the same tenant extends into whatever block has room.
        String anywhere = reserve(a, cluster, 16, start, end, false).then().statusCode(201).extract().path("id");
        extend(a.admin(), anywhere, end.plus(Duration.ofHours(1)), null).then().statusCode(201)
                .body("reservation.block", nullValue());
    }

    @Test
    void only_the_owners_admin_extends_and_only_a_live_reservation_to_a_later_end() {
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        String cluster = World.cluster(2);
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(5));
        Instant end = start.plus(Duration.ofHours(1));
        String id = reserve(t, cluster, 2, start, end, false).then().statusCode(201).extract().path("id");
        Instant later = end.plus(Duration.ofHours(1));

        extend(t.member(), id, later, null).then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        extend(other.admin(), id, later, null).then().statusCode(404).body("code", equalTo("RESERVATION_NOT_FOUND"));
        given().auth().oauth2(other.admin()).get("/api/v1/reservations/" + id + "/extensions").then().statusCode(404)
                .body("code", equalTo("RESERVATION_NOT_FOUND"));
        extend(t.admin(), id, end, null).then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors[0].field", equalTo("endAt"));
        extend(t.admin(), id, start.plus(Duration.ofDays(367)), null).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(t.admin()).contentType("application/json").body("{}")
                .post("/api/v1/reservations/" + id + "/extensions").then().statusCode(400);
        extend(t.admin(), UUID.randomUUID().toString(), later, null).then().statusCode(404)
                .body("code", equalTo("RESERVATION_NOT_FOUND"));
        given().auth().oauth2(t.admin()).get("/api/v1/reservations/" + id + "/extensions/" + UUID.randomUUID())
                .then().statusCode(404).body("code", equalTo("RESERVATION_EXTENSION_NOT_FOUND"));
        assertEquals(end.toString(), reservation(t.admin(), id).getString("endAt"), "nothing changed");

        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(200);
        extend(t.admin(), id, later, null).then().statusCode(409).body("code", equalTo("RESERVATION_NOT_EXTENDABLE"));
        assertEquals(List.of(), extensions(t.admin(), id));
    }

    @Test
    void an_extension_counts_against_the_card_quota_and_the_budget_as_a_purchase_does() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\","
                        + "\"limit\":6}],\"budget\":{\"amountMinor\":20000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(7));
        Instant end = start.plus(Duration.ofHours(2));
        // 4 cards for 2 h (80.00 CNY), and 2 more cards from an hour after its end (20.00): 100.00 of 200.00.
        String id = reserve(t, cluster, 4, start, end, false).then().statusCode(201).extract().path("id");
        reserve(t, cluster, 2, end.plus(Duration.ofHours(1)), end.plus(Duration.ofHours(2)), false).then()
                .statusCode(201);
        // Two hours more meet the 2 cards in their second hour: 6 at once, the limit; 80.00 more, 180.00 committed.
        extend(t.admin(), id, end.plus(Duration.ofHours(2)), null).then().statusCode(201)
                .body("totalPrice.amountMinor", equalTo(8000));
        // 180.00 committed now; one more hour (40.00) would pass the 200.00 budget: refused, nothing bought.
        extend(t.admin(), id, end.plus(Duration.ofHours(3)), null).then().statusCode(422)
                .body("code", equalTo("BUDGET_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("The extension costs 4000 CNY"));
        given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/budget").then().statusCode(200)
                .body("reservations.amountMinor", equalTo(18000));
        assertEquals(1, extensions(t.admin(), id).size());
        // The limit at 5 (and no budget): another 4-card reservation a day later extends over 1 card held after it
        // (5 at once), but not over 2 (6).
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"class\":\"RESERVED\","
                        + "\"limit\":5}]}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        String other = reserve(t, cluster, 4, start.plus(Duration.ofDays(1)), end.plus(Duration.ofDays(1)), false)
                .then().statusCode(201).extract().path("id");
        reserve(t, cluster, 1, end.plus(Duration.ofDays(1)), end.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)),
                false).then().statusCode(201);
        extend(t.admin(), other, end.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)), null).then().statusCode(201);
        reserve(t, cluster, 1, end.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)),
                end.plus(Duration.ofDays(1)).plus(Duration.ofHours(2)), false).then().statusCode(201);
        reserve(t, cluster, 1, end.plus(Duration.ofDays(1)).plus(Duration.ofHours(1)),
                end.plus(Duration.ofDays(1)).plus(Duration.ofHours(2)), false).then().statusCode(201);
        extend(t.admin(), other, end.plus(Duration.ofDays(1)).plus(Duration.ofHours(2)), null).then().statusCode(422)
                .body("code", equalTo("QUOTA_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("with 2 already reserved at once"));
        // The limit's use shows it: nothing reserved now, 6 at most at once ahead (the first day's, bought under
        // the limit of 6, now above the 5).
        given().auth().oauth2(t.member()).get("/api/v1/tenants/" + t.id() + "/quotas/use").then().statusCode(200)
                .body("cards[0].limit", equalTo(5)).body("cards[0].reserved", equalTo(0))
                .body("cards[0].reservedPeak", equalTo(6));
    }

    @Test
    void a_cancellation_gives_back_the_purchase_and_its_extensions_less_the_fee_on_both() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        // Within 24 hours of its start: the fee is half of what was paid, extensions included.
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(2));
        String id = reserve(t, cluster, 2, start, start.plus(Duration.ofHours(1)), false).then().statusCode(201)
                .body("totalPrice.amountMinor", equalTo(2000)).extract().path("id");
        extend(t.admin(), id, start.plus(Duration.ofHours(3)), null).then().statusCode(201)
                .body("totalPrice.amountMinor", equalTo(4000));
        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + id + "/cancel").then().statusCode(200)
                .body("cancellationFee.amountMinor", equalTo(3000));
        JsonPath draft = draft(t);
        assertEquals(2000, amount(line(draft, "RESERVATION")));
        assertEquals(4000, amount(line(draft, "RESERVATION_EXTENSION")));
        assertEquals(-(2000 + 4000 - 3000), amount(line(draft, "RESERVATION_CANCELLATION")));
        assertEquals(3000, draft.getLong("total.amountMinor"), "what is paid is the fee");
    }

    @Inject
    ReservationNotices notices;

    @Inject
    Pool pool;

    /** The payloads of the tenant's webhook deliveries of one type, oldest first. */
    List<JsonPath> delivered(World.Tenant t, String type) {
        List<JsonPath> out = new ArrayList<>();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("select payload from webhook_deliveries where tenant_id = $1 "
                        + "and event_type = $2 order by created_at, id")
                        .execute(Tuple.of(UUID.fromString(t.id()), type)))).await().indefinitely()
                .forEach(r -> out.add(JsonPath.from(r.getString(0))));
        return out;
    }

    @Test
    void a_webhook_is_told_once_per_end_that_a_window_ends_within_the_hour_and_of_each_extension() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"reservation.ending\","
                        + "\"reservation.extended\"]}")
                .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant soon = now.plus(Duration.ofMinutes(30));
        String ending = reserve(t, cluster, 4, now, soon, false).then().statusCode(201).extract().path("id");
        // Not told: ending in three hours; not open yet (its end is within the hour, but it has not begun).
        reserve(t, cluster, 4, now, now.plus(Duration.ofHours(3)), false).then().statusCode(201);
        reserve(t, cluster, 4, now.plus(Duration.ofMinutes(10)), now.plus(Duration.ofMinutes(40)), false).then()
                .statusCode(201);

        notices.round();
        notices.round();  // and a second round (or another replica's) tells nothing more
        List<JsonPath> told = delivered(t, "reservation.ending");
        assertEquals(1, told.size(), "once, for the one open window ending within the hour");
        assertEquals(ending, told.get(0).getString("data.reservationId"));
        assertEquals(soon.toString(), told.get(0).getString("data.endAt"));
        assertEquals(0, told.get(0).getInt("data.runningJobs"));
        assertEquals("reservation.ending", told.get(0).getString("type"));

        // Extended to a new end still within the hour: told of the extension, then of the new end.
        Instant later = soon.plus(Duration.ofMinutes(20));
        String extension = extend(t.admin(), ending, later, null).then().statusCode(201).extract().path("id");
        List<JsonPath> extended = delivered(t, "reservation.extended");
        assertEquals(1, extended.size());
        assertEquals(extension, extended.get(0).getString("data.extensionId"));
        assertEquals(soon.toString(), extended.get(0).getString("data.fromAt"));
        assertEquals(later.toString(), extended.get(0).getString("data.toAt"));
        assertEquals(1 * 4 * 1000 / 3, extended.get(0).getInt("data.totalPrice.amountMinor"), "20 min of 4 cards");
        notices.round();
        told = delivered(t, "reservation.ending");
        assertEquals(2, told.size());
        assertEquals(later.toString(), told.get(1).getString("data.endAt"));

        // Extended beyond the hour: nothing until the new end comes near.
        extend(t.admin(), ending, now.plus(Duration.ofHours(5)), null).then().statusCode(201);
        notices.round();
        assertEquals(2, delivered(t, "reservation.ending").size());
    }

    @Test
    void an_extension_and_a_cancellation_at_once_follow_one_another_and_the_fee_counts_what_was_bought()
            throws Exception {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(3));  // fee: half
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 4; i++) {
                Instant from = start.plus(Duration.ofHours(3L * i));
                String id = reserve(t, cluster, 2, from, from.plus(Duration.ofHours(1)), false).then().statusCode(201)
                        .extract().path("id");
                CompletableFuture<Response> extension = CompletableFuture.supplyAsync(
                        () -> extend(t.admin(), id, from.plus(Duration.ofHours(2)), null), pool);
                CompletableFuture<Response> cancel = CompletableFuture.supplyAsync(() -> given().auth()
                        .oauth2(t.admin()).post("/api/v1/reservations/" + id + "/cancel"), pool);
                Response e = extension.join();
                cancel.join().then().statusCode(200);
                JsonPath r = reservation(t.admin(), id);
                assertEquals("CANCELLED", r.getString("state"));
                if (e.statusCode() == 201) {
                    // Extended first: the cancellation gave back both and took half of both.
                    assertEquals(2000, r.getLong("extensionsPrice.amountMinor"));
                    assertEquals(2000, r.getLong("cancellationFee.amountMinor"));
                } else {
                    // Cancelled first: nothing to extend.
                    e.then().statusCode(409).body("code", equalTo("RESERVATION_NOT_EXTENDABLE"));
                    assertEquals(0, r.getLong("extensionsPrice.amountMinor"));
                    assertEquals(1000, r.getLong("cancellationFee.amountMinor"));
                }
                assertEquals(r.getLong("extensionsPrice.amountMinor"), extensions(t.admin(), id).stream()
                        .mapToLong(x -> ((Number) ((Map<?, ?>) x.get("totalPrice")).get("amountMinor")).longValue())
                        .sum());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void an_extension_racing_other_buyers_for_the_same_cards_never_oversells() throws Exception {
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String cluster = World.cluster(2);  // 16 cards
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(6));
        Instant end = start.plus(Duration.ofHours(2));
        Instant after = end.plus(Duration.ofHours(1));
        String id = reserve(a, cluster, 12, start, end, false).then().statusCode(201).extract().path("id");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Response> extensions;
        List<Response> purchases;
        try {
            List<CompletableFuture<Response>> ext = new ArrayList<>();
            List<CompletableFuture<Response>> buys = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ext.add(CompletableFuture.supplyAsync(() -> extend(a.admin(), id, after, null), pool));
                buys.add(CompletableFuture.supplyAsync(() -> reserve(b, cluster, 8, end, after, false), pool));
            }
            extensions = ext.stream().map(CompletableFuture::join).toList();
            purchases = buys.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
        long extended = extensions.stream().filter(r -> r.statusCode() == 201).count();
        long sold = purchases.stream().filter(r -> r.statusCode() == 201).count();
        for (Response r : extensions) {
            // Lost to a purchase (409), or to another extension made first (its end is no longer later: 400).
            assertTrue(List.of(201, 400, 409).contains(r.statusCode()), r.asString());
        }
        for (Response r : purchases) {
            assertTrue(List.of(201, 409).contains(r.statusCode()), r.asString());
        }
        assertTrue(extended <= 1, "one reservation, extended once to one end");
        assertEquals(extended, extensions(a.admin(), id).size());
        int held = (extended == 1 ? 12 : 0) + 8 * (int) sold;
        assertTrue(held <= 16, held + " cards sold from " + end + " of 16");
        assertTrue(held >= 12, "one side got the cards: " + held);
        assertEquals(extended == 1 ? after.toString() : end.toString(), reservation(a.admin(), id).getString("endAt"));
    }

    /**
     * In one transaction rolled back: how many inbox messages for the cluster the statement wrote there (the loop
     * drains committed ones at once, so they are counted before they can be seen by it).
     */
    long inboxWrites(String cluster, String statement, Object... args) {
        io.vertx.mutiny.sqlclient.SqlConnection c = pool.getConnection().await().indefinitely();
        try {
            io.vertx.mutiny.sqlclient.Transaction tx = c.begin().await().indefinitely();
            try {
                c.query("select set_config('myriad.scope', 'platform', true)").execute().await().indefinitely();
                c.preparedQuery(statement).execute(Tuple.from(args)).await().indefinitely();
                return c.preparedQuery("select count(*) from scheduler_inbox where cluster_id = $1 and kind = 'NODES'"
                                + " and at = now()").execute(Tuple.of(UUID.fromString(cluster))).await().indefinitely()
                        .iterator().next().getLong(0);
            } finally {
                tx.rollback().await().indefinitely();
            }
        } finally {
            c.close().await().indefinitely();
        }
    }

    @Test
    void a_reservation_extended_or_cancelled_reaches_the_loop_in_its_own_transaction_and_a_notice_mark_does_not() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        Instant start = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        String id = reserve(t, cluster, 4, start, start.plus(Duration.ofHours(1)), false).then().statusCode(201)
                .extract().path("id");
        UUID r = UUID.fromString(id);
        assertEquals(1, inboxWrites(cluster, "update reservations set end_at = end_at + interval '1 hour' where id = $1",
                r), "an end moved");
        assertEquals(1, inboxWrites(cluster, "update reservations set status = 'CANCELLED', cancelled_at = now() "
                + "where id = $1", r), "a cancellation");
        assertEquals(0, inboxWrites(cluster, "update reservations set ending_notice_for = end_at where id = $1", r),
                "an ending notice's mark moves no hold");
        assertEquals(0, inboxWrites(cluster, "update reservations set end_at = end_at where id = $1", r),
                "an update that moves nothing");
    }
}
