package city.myriad.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.support.Deliveries;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
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
 * Maintenance windows (`createMaintenance` and its reads and changes): the operator schedules them, every signed-in
 * caller reads them, a node is in one window at a time, and the calendar sells no card a window takes out nor lets a
 * window take cards sold.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
public class MaintenanceTest {

    @Inject
    Pool pool;

    List<JsonPath> delivered(World.Tenant t, String type) {
        return Deliveries.of(pool, t.id(), type);
    }

    public static void webhook(World.Tenant t, String... events) {
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"" + String.join("\",\"", events)
                        + "\"]}")
                .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200);
    }

    static Response schedule(String token, String cluster, List<String> nodes, Instant start, Instant end,
            String key) {
        var request = given().auth().oauth2(token).contentType("application/json")
                .body("{\"nodes\":[" + String.join(",", nodes.stream().map(n -> "\"" + n + "\"").toList())
                        + "],\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\",\"reason\":\"Switch firmware\"}");
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.post("/api/v1/clusters/" + cluster + "/maintenances");
    }

    /** The cluster's node names, in name order. */
    static List<String> nodes(String cluster) {
        return given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().jsonPath().getList("items.name");
    }

    static Response reserve(World.Tenant t, String cluster, int cards, Instant start, Instant end) {
        return given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":" + cards + ",\"startAt\":\"" + start + "\",\"endAt\":\"" + end
                        + "\"}")
                .post("/api/v1/reservations");
    }

    static Instant hoursFromNow(long h) {
        return Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(h + 1));
    }

    @Test
    void an_operator_schedules_a_window_everyone_reads_it_and_it_is_cancelled_before_it_begins() {
        String cluster = World.cluster(2);
        List<String> nodes = nodes(cluster);
        Instant start = hoursFromNow(1);
        Instant end = start.plus(Duration.ofHours(2));
        String key = "maint-" + UUID.randomUUID();
        Response made = schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), start, end, key);
        made.then().statusCode(201).header("Idempotent-Replayed", "false")
                .body("state", equalTo("SCHEDULED")).body("nodes", equalTo(List.of(nodes.get(0))))
                .body("cards", equalTo(Map.of("ASCEND-910B", 8))).body("startAt", equalTo(start.toString()))
                .body("endAt", equalTo(end.toString())).body("endsAt", equalTo(end.toString()))
                .body("reason", equalTo("Switch firmware")).body("createdBy", equalTo("olga"))
                .body("clusterId", equalTo(cluster));
        String id = made.path("id");
        assertEquals(made.header("Location").endsWith("/api/v1/clusters/" + cluster + "/maintenances/" + id), true,
                made.header("Location"));
        schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), start, end, key).then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("id", equalTo(id));

        // Every signed-in caller reads the schedule; only the operator (or a platform admin) writes it.
        World.Tenant t = World.tenant();
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances").then()
                .statusCode(200).body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances/" + id).then()
                .statusCode(200).body("state", equalTo("SCHEDULED"));
        schedule(t.admin(), cluster, List.of(nodes.get(1)), start, end, null).then().statusCode(403);
        given().auth().oauth2(t.admin()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id + "/cancel")
                .then().statusCode(403);
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances/" + UUID.randomUUID())
                .then().statusCode(404).body("code", equalTo("MAINTENANCE_NOT_FOUND"));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + UUID.randomUUID() + "/maintenances").then()
                .statusCode(404).body("code", equalTo("CLUSTER_NOT_FOUND"));

        // A node is in one window at a time: an overlap is refused, a window after it is not.
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1), nodes.get(0)), end.minus(Duration.ofMinutes(1)),
                end.plus(Duration.ofHours(1)), null).then().statusCode(409)
                .body("code", equalTo("MAINTENANCE_OVERLAPS")).body("detail", containsString(nodes.get(0)));
        String later = schedule(Tokens.admin(), cluster, List.of(nodes.get(0), nodes.get(1)), end,
                end.plus(Duration.ofHours(1)), null).then().statusCode(201).extract().path("id");

        // Bad input: nothing scheduled.
        schedule(Tokens.olga(), cluster, List.of("no-such-node"), start, end, null).then().statusCode(400)
                .body("code", equalTo("UNKNOWN_NODE")).body("errors[0].field", equalTo("nodes[0]"));
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1), nodes.get(1)), start, end, null).then()
                .statusCode(400).body("errors[0].field", equalTo("nodes[1]"));
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), Instant.now().minus(Duration.ofHours(1)), end, null)
                .then().statusCode(400).body("errors[0].field", equalTo("startAt"));
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), end, start, null).then().statusCode(400)
                .body("errors[0].field", equalTo("endAt"));
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), start, start.plus(Duration.ofDays(31)), null).then()
                .statusCode(400).body("errors[0].field", equalTo("endAt"));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/maintenances?state=LATE").then()
                .statusCode(400).body("errors[0].field", equalTo("state"));
        assertEquals(2, given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/maintenances")
                .then().statusCode(200).extract().jsonPath().getList("items").size());

        // Not begun: it cannot be completed, it can be cancelled, once.
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id + "/complete")
                .then().statusCode(409).body("code", equalTo("MAINTENANCE_NOT_IN_PROGRESS"));
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id + "/cancel")
                .then().statusCode(200).body("state", equalTo("CANCELLED")).body("cancelledAt", not(equalTo(null)))
                .body("endsAt", equalTo(start.toString()));
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id + "/cancel")
                .then().statusCode(409).body("code", equalTo("MAINTENANCE_NOT_CANCELLABLE"));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/maintenances?state=CANCELLED")
                .then().statusCode(200).body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/maintenances?state=SCHEDULED")
                .then().statusCode(200).body("items.id", equalTo(List.of(later)));
        // A calendar's span: planned windows overlapping [from, to).
        given().auth().oauth2(t.member()).queryParam("from", end.toString())
                .queryParam("to", end.plus(Duration.ofHours(3)).toString())
                .get("/api/v1/clusters/" + cluster + "/maintenances").then().statusCode(200)
                .body("items.id", equalTo(List.of(later)));
        given().auth().oauth2(t.member()).queryParam("to", end.toString())
                .get("/api/v1/clusters/" + cluster + "/maintenances").then().statusCode(200)
                .body("items.id", equalTo(List.of(id)));
        given().auth().oauth2(t.member()).queryParam("from", end.toString()).queryParam("to", start.toString())
                .get("/api/v1/clusters/" + cluster + "/maintenances").then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
        // Cancelled, it overlaps nothing any more.
        schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), start, end.minus(Duration.ofMinutes(30)), null)
                .then().statusCode(201);
        String operator = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then()
                .statusCode(200).extract().path("operatorId");
        given().auth().oauth2(Tokens.olga()).queryParam("targetId", id)
                .get("/api/v1/operators/" + operator + "/audit-events").then().statusCode(200)
                .body("items.action", equalTo(List.of("cancelMaintenance", "createMaintenance")));
    }

    @Test
    void the_calendar_sells_no_card_a_window_takes_out_and_a_window_takes_no_card_sold() {
        String cluster = World.cluster(2);  // 16 cards
        List<String> nodes = nodes(cluster);
        World.Tenant t = World.tenant();
        Instant h1 = hoursFromNow(1);
        String all = reserve(t, cluster, 16, h1, h1.plus(Duration.ofHours(1))).then().statusCode(201).extract()
                .path("id");
        // Every card is sold from h1 to h2: a window of one node overlapping it would oversell them.
        schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), h1.plus(Duration.ofMinutes(30)),
                h1.plus(Duration.ofHours(3)), null).then().statusCode(409).body("code", equalTo("NODE_RESERVED"))
                .body("detail", containsString("ASCEND-910B"));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/maintenances").then()
                .statusCode(200).body("items", equalTo(List.of()));
        // From the reservation's end it may: then only 8 cards are for sale until the window ends.
        Instant h2 = h1.plus(Duration.ofHours(1));
        String window = schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), h2, h2.plus(Duration.ofHours(2)),
                null).then().statusCode(201).extract().path("id");
        reserve(t, cluster, 16, h2, h2.plus(Duration.ofHours(1))).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"))
                .body("earliestWindow.startAt", equalTo(h2.plus(Duration.ofHours(2)).toString()));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":16,\"class\":"
                        + "\"RESERVED\",\"startAt\":\"" + h2 + "\",\"endAt\":\"" + h2.plus(Duration.ofHours(1)) + "\"}")
                .post("/api/v1/quotes").then().statusCode(201)
                .body("earliestStartAt", equalTo(h2.plus(Duration.ofHours(2)).toString()));
        // The reservation of all cards cannot be extended into the window; 8 cards can be bought in it.
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"endAt\":\"" + h2.plus(Duration.ofHours(1)) + "\"}")
                .post("/api/v1/reservations/" + all + "/extensions").then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        String half = reserve(t, cluster, 8, h2, h2.plus(Duration.ofHours(1))).then().statusCode(201).extract()
                .path("id");
        // The window cancelled, its cards are for sale again.
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + window
                + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"endAt\":\"" + h2.plus(Duration.ofMinutes(30)) + "\"}")
                .post("/api/v1/reservations/" + all + "/extensions").then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));  // 8 of its 16 cards are sold to `half` now
        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + half + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"endAt\":\"" + h2.plus(Duration.ofMinutes(30)) + "\"}")
                .post("/api/v1/reservations/" + all + "/extensions").then().statusCode(201);
    }

    @Test
    void the_tenants_using_the_cluster_are_told_of_a_window_and_of_its_cancellation_with_what_it_touches() {
        String cluster = World.cluster(2);
        List<String> nodes = nodes(cluster);
        World.Tenant buyer = World.tenant();       // a reservation the window overlaps
        World.Tenant elsewhere = World.tenant();   // subscribed, but uses another cluster
        World.Tenant quiet = World.tenant();       // uses the cluster, not subscribed
        webhook(buyer, "maintenance.scheduled", "maintenance.cancelled");
        webhook(elsewhere, "maintenance.scheduled", "maintenance.cancelled");
        Instant h1 = hoursFromNow(1);
        // 4 + 4 cards sold for the window: the other node's 8 carry them.
        String overlapped = reserve(buyer, cluster, 4, h1, h1.plus(Duration.ofHours(1))).then().statusCode(201)
                .extract().path("id");
        reserve(buyer, cluster, 8, h1.plus(Duration.ofHours(5)), h1.plus(Duration.ofHours(6))).then()
                .statusCode(201);  // after the window: not named
        reserve(elsewhere, World.cluster(1), 8, h1, h1.plus(Duration.ofHours(1))).then().statusCode(201);
        reserve(quiet, cluster, 4, h1, h1.plus(Duration.ofHours(1))).then().statusCode(201);

        Instant start = h1.plus(Duration.ofMinutes(30));
        Instant end = start.plus(Duration.ofHours(2));
        String id = schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), start, end, null).then().statusCode(201)
                .extract().path("id");
        List<JsonPath> told = delivered(buyer, "maintenance.scheduled");
        assertEquals(1, told.size());
        JsonPath data = told.get(0).setRootPath("data");
        assertEquals(id, data.getString("maintenanceId"));
        assertEquals(cluster, data.getString("clusterId"));
        assertEquals(start.toString(), data.getString("startAt"));
        assertEquals(end.toString(), data.getString("endsAt"));
        assertEquals(List.of(nodes.get(1)), data.getList("nodes"));
        assertEquals(Map.of("ASCEND-910B", 8), data.getMap("cards"));
        assertEquals(List.of(overlapped), data.getList("reservations"));
        assertEquals(0, data.getInt("runningJobs"));
        assertEquals(List.of(), delivered(elsewhere, "maintenance.scheduled"));
        assertEquals(List.of(), delivered(quiet, "maintenance.scheduled"));

        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id + "/cancel")
                .then().statusCode(200);
        List<JsonPath> cancelled = delivered(buyer, "maintenance.cancelled");
        assertEquals(1, cancelled.size());
        assertEquals(start.toString(), cancelled.get(0).getString("data.endsAt"), "a cancelled window ends at its start");
        assertEquals(1, delivered(buyer, "maintenance.scheduled").size(), "told once");
    }

    static Response patch(String token, String cluster, String id, String body) {
        return given().auth().oauth2(token).contentType("application/merge-patch+json").body(body)
                .patch("/api/v1/clusters/" + cluster + "/maintenances/" + id);
    }

    @Test
    void a_window_is_moved_or_made_longer_checked_as_a_new_one_in_its_place_and_the_tenants_are_told() {
        String cluster = World.cluster(2);  // 16 cards
        List<String> nodes = nodes(cluster);
        World.Tenant t = World.tenant();
        webhook(t, "maintenance.rescheduled");
        Instant h1 = hoursFromNow(1);
        // 8 cards sold from h1 + 3 h to h1 + 4 h; another tenant's 16 from h1 + 6 h.
        String sold = reserve(t, cluster, 8, h1.plus(Duration.ofHours(3)), h1.plus(Duration.ofHours(4))).then()
                .statusCode(201).extract().path("id");
        reserve(World.tenant(), cluster, 16, h1.plus(Duration.ofHours(6)), h1.plus(Duration.ofHours(7))).then()
                .statusCode(201);
        String id = schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), h1, h1.plus(Duration.ofHours(1)), null)
                .then().statusCode(201).extract().path("id");
        String other = schedule(Tokens.olga(), cluster, List.of(nodes.get(1)), h1.plus(Duration.ofHours(4)),
                h1.plus(Duration.ofHours(5)), null).then().statusCode(201).extract().path("id");

        // 8 more cards sold for the window as it is: its own hold must not count twice when it is moved.
        reserve(World.tenant(), cluster, 8, h1, h1.plus(Duration.ofHours(1))).then().statusCode(201);
        // Longer, over the 8 cards sold: the other node carries them.
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + h1.plus(Duration.ofHours(5)) + "\"}").then()
                .statusCode(200).body("startAt", equalTo(h1.toString()))
                .body("endAt", equalTo(h1.plus(Duration.ofHours(5)).toString())).body("state", equalTo("SCHEDULED"));
        // Into the 16 sold from h1 + 6 h: refused, nothing changed.
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + h1.plus(Duration.ofHours(7)) + "\"}").then()
                .statusCode(409).body("code", equalTo("NODE_RESERVED"));
        // The other window's node (nodes[1]) is out from h1 + 4 h: moving that one back over the 8 cards sold
        // while nodes[0] is out too would leave them nowhere.
        patch(Tokens.olga(), cluster, other, "{\"startAt\":\"" + h1.plus(Duration.ofHours(3)) + "\"}").then()
                .statusCode(409).body("code", equalTo("NODE_RESERVED"));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances/" + id).then()
                .statusCode(200).body("endAt", equalTo(h1.plus(Duration.ofHours(5)).toString()));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances/" + other).then()
                .statusCode(200).body("startAt", equalTo(h1.plus(Duration.ofHours(4)).toString()));
        // Moved later and shorter; a reason changed; a patch of nothing answers it unchanged.
        patch(Tokens.olga(), cluster, id, "{\"startAt\":\"" + h1.plus(Duration.ofMinutes(30)) + "\",\"endAt\":\""
                + h1.plus(Duration.ofHours(2)) + "\",\"reason\":\"Second pass\"}").then().statusCode(200)
                .body("startAt", equalTo(h1.plus(Duration.ofMinutes(30)).toString()))
                .body("reason", equalTo("Second pass"));
        patch(Tokens.olga(), cluster, id, "{}").then().statusCode(200)
                .body("endAt", equalTo(h1.plus(Duration.ofHours(2)).toString()));
        // With If-Match, two of the operator's people who each read the window never lose one's move to the other's.
        String path = "/api/v1/clusters/" + cluster + "/maintenances/" + id;
        String tag = given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(Tokens.olga()).header("If-Match", "\"stale\"").contentType("application/merge-patch+json")
                .body("{\"reason\":\"Third pass\"}").patch(path).then().statusCode(412)
                .contentType("application/problem+json").body("code", equalTo("PRECONDITION_FAILED"))
                .header("ETag", tag);
        given().auth().oauth2(Tokens.olga()).header("If-Match", tag).contentType("application/merge-patch+json")
                .body("{}").patch(path).then().statusCode(200).body("reason", equalTo("Second pass"));
        // Its node's other window is not its own: moving into it overlaps.
        schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), h1.plus(Duration.ofHours(8)),
                h1.plus(Duration.ofHours(9)), null).then().statusCode(201);
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + h1.plus(Duration.ofHours(8).plusMinutes(30)) + "\"}")
                .then().statusCode(409).body("code", equalTo("MAINTENANCE_OVERLAPS"));
        // Bad input and the wrong caller change nothing.
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + h1 + "\"}").then().statusCode(400)
                .body("errors[0].field", equalTo("endAt"));
        patch(Tokens.olga(), cluster, id, "{\"startAt\":\"2020-01-01T00:00:00Z\"}").then().statusCode(400)
                .body("errors[0].field", equalTo("startAt"));
        patch(Tokens.olga(), cluster, id, "{\"reason\":\"  \"}").then().statusCode(400);
        patch(t.admin(), cluster, id, "{\"reason\":\"mine\"}").then().statusCode(403);
        patch(Tokens.olga(), cluster, UUID.randomUUID().toString(), "{}").then().statusCode(404)
                .body("code", equalTo("MAINTENANCE_NOT_FOUND"));
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + other
                + "/cancel").then().statusCode(200);
        patch(Tokens.olga(), cluster, other, "{\"reason\":\"again\"}").then().statusCode(409)
                .body("code", equalTo("MAINTENANCE_NOT_UPDATABLE"));

        // The tenant using the cluster was told of each move, the window as it was then.
        List<JsonPath> told = delivered(t, "maintenance.rescheduled");
        assertEquals(List.of(h1.plus(Duration.ofHours(5)).toString(), h1.plus(Duration.ofHours(2)).toString()),
                told.stream().map(j -> j.getString("data.endAt")).toList());
        assertEquals(List.of(sold), told.get(0).getList("data.reservations"), "the first move overlaps its 8 cards");
        assertEquals(List.of(), told.get(1).getList("data.reservations"), "the second no longer does");
        String operator = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then()
                .statusCode(200).extract().path("operatorId");
        given().auth().oauth2(Tokens.olga()).queryParam("targetId", id).queryParam("action", "updateMaintenance")
                .get("/api/v1/operators/" + operator + "/audit-events").then().statusCode(200)
                .body("items.size()", equalTo(2));
    }

    @Test
    void a_window_under_way_is_made_longer_but_its_start_does_not_move() {
        String cluster = World.cluster(2);
        List<String> nodes = nodes(cluster);
        String id = schedule(Tokens.olga(), cluster, List.of(nodes.get(0)), Instant.now(),
                Instant.now().plus(Duration.ofHours(1)), null).then().statusCode(201)
                .body("state", equalTo("IN_PROGRESS")).extract().path("id");
        Instant later = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + later + "\"}").then().statusCode(200)
                .body("endAt", equalTo(later.toString())).body("state", equalTo("IN_PROGRESS"));
        patch(Tokens.olga(), cluster, id, "{\"startAt\":\"" + later.minus(Duration.ofHours(1)) + "\"}").then()
                .statusCode(400).body("errors[0].field", equalTo("startAt"));
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + id
                + "/complete").then().statusCode(200).body("state", equalTo("COMPLETED"));
        patch(Tokens.olga(), cluster, id, "{\"endAt\":\"" + later.plus(Duration.ofHours(1)) + "\"}").then()
                .statusCode(409).body("code", equalTo("MAINTENANCE_NOT_UPDATABLE"));
    }

    @Test
    void windows_and_purchases_racing_for_the_same_cards_never_oversell_and_a_node_gets_one_window() {
        String cluster = World.cluster(3);  // 24 cards
        List<String> nodes = nodes(cluster);
        World.Tenant t = World.tenant();
        Instant start = hoursFromNow(2);
        Instant end = start.plus(Duration.ofHours(2));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Response> windows;
        List<Response> purchases;
        List<Response> sameNode;
        try {
            // Three windows of one node each, three purchases of 8 cards, and three windows of the same node: all at
            // once, all for the same two hours.
            List<CompletableFuture<Response>> w = new ArrayList<>();
            List<CompletableFuture<Response>> b = new ArrayList<>();
            List<CompletableFuture<Response>> same = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String node = nodes.get(i);
                w.add(CompletableFuture.supplyAsync(() -> schedule(Tokens.olga(), cluster, List.of(node), start, end,
                        null), pool));
                b.add(CompletableFuture.supplyAsync(() -> reserve(t, cluster, 8, start, end), pool));
            }
            windows = w.stream().map(CompletableFuture::join).toList();
            purchases = b.stream().map(CompletableFuture::join).toList();
            String later = nodes.get(0);
            Instant s2 = end.plus(Duration.ofHours(1));
            for (int i = 0; i < 3; i++) {
                same.add(CompletableFuture.supplyAsync(() -> schedule(Tokens.olga(), cluster, List.of(later), s2,
                        s2.plus(Duration.ofHours(1)), null), pool));
            }
            sameNode = same.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdown();
        }
        long windowsMade = windows.stream().filter(r -> r.statusCode() == 201).count();
        long sold = purchases.stream().filter(r -> r.statusCode() == 201).count();
        windows.stream().filter(r -> r.statusCode() != 201).forEach(r -> r.then().statusCode(409)
                .body("code", equalTo("NODE_RESERVED")));
        purchases.stream().filter(r -> r.statusCode() != 201).forEach(r -> r.then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE")));
        assertEquals(3, windowsMade + sold, "each node's 8 cards went once: " + windowsMade + " windows, " + sold
                + " purchases");
        assertEquals(1, sameNode.stream().filter(r -> r.statusCode() == 201).count());
        sameNode.stream().filter(r -> r.statusCode() != 201).forEach(r -> r.then().statusCode(409)
                .body("code", equalTo("MAINTENANCE_OVERLAPS")));
    }
}
