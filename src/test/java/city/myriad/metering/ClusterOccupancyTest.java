package city.myriad.metering;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import city.myriad.support.History;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * getClusterOccupancy: the node history the triggers keep (every writer of nodes), and the report's arithmetic on a
 * timeline written here, each figure computed by hand; who may read it; bad input.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ClusterOccupancyTest {

    @Inject
    Pool pool;

    @Test
    void every_change_of_a_node_is_kept_whoever_makes_it() {
        String cluster = World.cluster(4);
        String slug = slugOf(cluster);
        String nodes = "/api/v1/clusters/" + cluster + "/nodes/";
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"DRAINING\"}")
                .put(nodes + slug + "-n4/state").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"DOWN\"}")
                .put(nodes + slug + "-n3/state").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).delete(nodes + slug + "-n4").then().statusCode(204);
        // n2 re-imported with 4 cards: what it was ends before what it is starts; n1 re-imported as it was: nothing.
        given().auth().oauth2(Tokens.olga()).contentType("text/csv").body("node_id,gpu_model,gpus,cpu_milli,memory_mib,"
                + "rack,block\n" + slug + "-n2,ASCEND-910B,4,192000,1572864," + slug + "-r2," + slug + "-b1\n" + slug
                + "-n1,ASCEND-910B,8,192000,1572864," + slug + "-r1," + slug + "-b1\n")
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);

        assertEquals(List.of("n1 AVAILABLE 8", "n2 AVAILABLE 8", "n2 REMOVED 8", "n2 AVAILABLE 4", "n3 AVAILABLE 8",
                "n3 DOWN 8", "n4 AVAILABLE 8", "n4 DRAINING 8", "n4 REMOVED 8"), history(cluster, slug));

        // listNodeHistory: newest first, paged; a removed node's stays readable; a node never there is 404.
        JsonPath n2 = given().auth().oauth2(Tokens.olga()).get(nodes + slug + "-n2/history").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(List.of("AVAILABLE", "REMOVED", "AVAILABLE"), n2.getList("items.state"));
        assertEquals(List.of(4, 8, 8), n2.getList("items.gpus"));
        JsonPath first = given().auth().oauth2(Tokens.admin()).queryParam("limit", 2).get(nodes + slug + "-n4/history")
                .then().statusCode(200).body("items.state", equalTo(List.of("REMOVED", "DRAINING"))).extract()
                .jsonPath();
        given().auth().oauth2(Tokens.admin()).queryParam("limit", 2).queryParam("cursor", first.getString("nextCursor"))
                .get(nodes + slug + "-n4/history").then().statusCode(200)
                .body("items.state", equalTo(List.of("AVAILABLE"))).body("nextCursor", equalTo(null));
        given().auth().oauth2(Tokens.olga()).get(nodes + slug + "-n9/history").then().statusCode(404)
                .body("code", equalTo("NODE_NOT_FOUND"));
        given().auth().oauth2(Tokens.alice()).get(nodes + slug + "-n2/history").then().statusCode(403)
                .body("code", equalTo("OPERATOR_ROLE_REQUIRED"));
    }

    @Test
    void the_cards_in_each_state_and_what_ran_on_them_and_was_held_add_up_by_day_and_by_hour() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(4);
        String slug = slugOf(cluster);
        // A timeline three days back, on whole hours: n1 all along; n2 down from +6 h to +18 h; n3 added at +12 h;
        // n4 draining from the start, removed at +12 h.
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(3));
        rewrite(cluster, List.of(
                change(slug + "-n1", 8, "AVAILABLE", t0),
                change(slug + "-n2", 8, "AVAILABLE", t0), change(slug + "-n2", 8, "DOWN", hours(t0, 6)),
                change(slug + "-n2", 8, "AVAILABLE", hours(t0, 18)),
                change(slug + "-n3", 8, "AVAILABLE", hours(t0, 12)),
                change(slug + "-n4", 8, "DRAINING", t0), change(slug + "-n4", 8, "REMOVED", hours(t0, 12))));
        // 8 cards on demand for 4 h; 4 spot cards from +20 h to +26 h (across the day's end); a reservation of 8 cards
        // held from +12 h to +36 h, another one of 8 from the start cancelled at +4 h.
        History.ran(pool, t.id(), t.projectId(), cluster, slug + "-n1", 8, hours(t0, 1), hours(t0, 5), 1200);
        History.ran(pool, t.id(), t.projectId(), cluster, slug + "-n1", 4, hours(t0, 20), hours(t0, 26), 600, "SPOT",
                false);
        History.reserved(pool, t.id(), t.projectId(), cluster, 8, hours(t0, 12), hours(t0, 36), 1, t0, null, null);
        History.reserved(pool, t.id(), t.projectId(), cluster, 8, t0, hours(t0, 10), 1, t0, hours(t0, 4), 0L);

        JsonPath days = occupancy(Tokens.olga(), cluster, t0, hours(t0, 48), "day", null).statusCode(200).extract()
                .jsonPath();
        assertEquals(2, days.getList("lines").size(), days.prettify());
        // Day 1: available n1 24 h + n2 12 h + n3 12 h = 48 node-hours of 8 cards; down n2 12 h; draining n4 12 h.
        line(days, "lines[0]", t0, 384, 96, 96, 32, 16, 128, "0.1000", "0.3667");
        // Day 2: n1, n2, n3 all day; the spot run's last 2 h; the reservation's last 12 h.
        line(days, "lines[1]", hours(t0, 24), 576, 0, 0, 0, 8, 96, "0.0139", "0.1806");
        line(days, "totals[0]", t0, 960, 96, 96, 32, 24, 224, "0.0530", "0.2652");

        // By the hour, around the spot run's start: nothing from +19 h, 4 cards from +20 h.
        JsonPath hours = occupancy(Tokens.admin(), cluster, hours(t0, 19), hours(t0, 21), "hour", "ASCEND-910B")
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(hours(t0, 19).toString(), hours(t0, 20).toString()), hours.getList("lines.start"));
        line(hours, "lines[0]", hours(t0, 19), 24, 0, 0, 0, 0, 8, "0.0000", "0.3333");
        line(hours, "lines[1]", hours(t0, 20), 24, 0, 0, 0, 4, 8, "0.1667", "0.5000");

        // Ahead of now nothing is counted: a window ending tomorrow ends its last day at now.
        JsonPath ahead = occupancy(Tokens.olga(), cluster, Instant.now().truncatedTo(ChronoUnit.HOURS),
                Instant.now().plus(Duration.ofDays(1)), "hour", null).statusCode(200).extract().jsonPath();
        assertEquals(1, ahead.getList("lines").size(), ahead.prettify());
    }

    /**
     * A card out of service counts down whatever its node's state: the node's other cards stay available (or draining)
     * and the allocation is over the cards in service.
     */
    @Test
    void cards_out_of_service_count_down_while_their_node_works_on() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        String slug = slugOf(cluster);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(2));
        // n1: 8 cards in service for 2 h, then 2 out for 2 h (AVAILABLE), then DRAINING with 2 out for 1 h, then all
        // back and AVAILABLE; 6 cards run on demand from +2 h to +4 h.
        rewrite(cluster, List.of(change(slug + "-n1", 8, "AVAILABLE", t0)));
        pool.preparedQuery("insert into node_state_history (cluster_id, node, gpu_model, cards, cards_out, state, at) "
                + "values ($1, $2, 'ASCEND-910B', 8, 2, 'AVAILABLE', $3), ($1, $2, 'ASCEND-910B', 8, 2, 'DRAINING', $4),"
                + " ($1, $2, 'ASCEND-910B', 8, 0, 'AVAILABLE', $5)")
                .execute(Tuple.of(UUID.fromString(cluster), slug + "-n1", OffsetDateTime.ofInstant(hours(t0, 2),
                        ZoneOffset.UTC), OffsetDateTime.ofInstant(hours(t0, 4), ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(hours(t0, 5), ZoneOffset.UTC))).await().indefinitely();
        History.ran(pool, t.id(), t.projectId(), cluster, slug + "-n1", 6, hours(t0, 2), hours(t0, 4), 1200);
        JsonPath hours = occupancy(Tokens.olga(), cluster, t0, hours(t0, 6), "hour", null).statusCode(200).extract()
                .jsonPath();
        line(hours, "lines[1]", hours(t0, 1), 8, 0, 0, 0, 0, 0, "0.0000", "0.0000");
        line(hours, "lines[2]", hours(t0, 2), 6, 0, 2, 6, 0, 0, "1.0000", "1.0000");
        line(hours, "lines[4]", hours(t0, 4), 0, 6, 2, 0, 0, 0, "0.0000", "0.0000");
        line(hours, "lines[5]", hours(t0, 5), 8, 0, 0, 0, 0, 0, "0.0000", "0.0000");
        line(hours, "totals[0]", t0, 36, 6, 6, 12, 0, 0, "0.2857", "0.2857");
    }

    /** A model whose nodes are all gone is still reported for the time it had them; one never there is 400. */
    @Test
    void a_model_the_cluster_no_longer_has_is_reported_for_the_time_it_had_it() {
        String cluster = World.cluster(1);
        String slug = slugOf(cluster);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(2));
        rewrite(cluster, List.of(change(slug + "-n1", 8, "AVAILABLE", t0)));
        pool.preparedQuery("insert into node_state_history (cluster_id, node, gpu_model, cards, state, at) values "
                + "($1, 'old-1', 'A100', 4, 'AVAILABLE', $2), ($1, 'old-1', 'A100', 4, 'REMOVED', $3)")
                .execute(Tuple.of(UUID.fromString(cluster), OffsetDateTime.ofInstant(t0, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(hours(t0, 2), ZoneOffset.UTC))).await().indefinitely();
        JsonPath old = occupancy(Tokens.olga(), cluster, t0, hours(t0, 24), "day", "A100").statusCode(200).extract()
                .jsonPath();
        assertEquals(List.of("A100"), old.getList("lines.model"), old.prettify());
        assertCardHours(8, old, "lines[0].availableCardSeconds");
        assertEquals(2, occupancy(Tokens.olga(), cluster, t0, hours(t0, 24), "day", null).statusCode(200).extract()
                .jsonPath().getList("totals").size());
        occupancy(Tokens.olga(), cluster, t0, hours(t0, 24), "day", "H800").statusCode(400)
                .body("errors[0].field", equalTo("model"));
    }

    /** Runs at any second, a range that starts off the hour: every bucket equals the overlaps summed here, run by run. */
    @Test
    void every_bucket_is_the_sum_of_each_runs_overlap_with_it() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(4);
        String slug = slugOf(cluster);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(4));
        rewrite(cluster, List.of(change(slug + "-n1", 8, "AVAILABLE", t0.minus(Duration.ofDays(1))),
                change(slug + "-n2", 8, "AVAILABLE", t0.minus(Duration.ofDays(1)))));
        java.util.Random random = new java.util.Random(7);
        record Run(Instant start, Instant end, int cards, String cls) {}
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Instant start = t0.plusSeconds(random.nextInt(48 * 3600));
            Run r = new Run(start, start.plusSeconds(1 + random.nextInt(random.nextBoolean() ? 3 * 3600 : 30 * 3600)),
                    1 + random.nextInt(8), random.nextBoolean() ? "SPOT" : "ON_DEMAND");
            runs.add(r);
            History.ran(pool, t.id(), t.projectId(), cluster, slug + "-n1", r.cards(), r.start(), r.end(), 1000,
                    r.cls(), false);
        }
        Instant from = t0.plus(Duration.ofMinutes(197)).plusSeconds(13);
        Instant to = t0.plus(Duration.ofHours(70));
        JsonPath json = occupancy(Tokens.olga(), cluster, from, to, "hour", null).statusCode(200).extract().jsonPath();
        int n = (int) Duration.between(from, to).toHours() + 1;  // the last bucket cut short at to
        assertEquals(n, json.getList("lines").size(), json.prettify());
        for (int k = 0; k < n; k++) {
            Instant start = from.plus(Duration.ofHours(k));
            Instant end = start.plus(Duration.ofHours(1)).isBefore(to) ? start.plus(Duration.ofHours(1)) : to;
            long spot = 0;
            long onDemand = 0;
            for (Run r : runs) {
                long overlap = Math.max(0, Duration.between(r.start().isAfter(start) ? r.start() : start,
                        r.end().isBefore(end) ? r.end() : end).toSeconds());
                if (r.cls().equals("SPOT")) {
                    spot += overlap * r.cards();
                } else {
                    onDemand += overlap * r.cards();
                }
            }
            String at = "lines[" + k + "]";
            assertEquals(start.toString(), json.getString(at + ".start"));
            assertEquals(0, BigDecimal.valueOf(16 * Duration.between(start, end).toSeconds())
                    .compareTo(new BigDecimal(json.getString(at + ".availableCardSeconds"))), at);
            assertEquals(0, BigDecimal.valueOf(spot).compareTo(new BigDecimal(json.getString(at + ".spotCardSeconds"))),
                    at + " spot " + json.getString(at));
            assertEquals(0, BigDecimal.valueOf(onDemand).compareTo(new BigDecimal(json.getString(at
                    + ".onDemandCardSeconds"))), at + " on demand " + json.getString(at));
        }
    }

    @Test
    void a_run_going_on_counts_to_now() throws InterruptedException {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        Instant before = Instant.now();
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"class\":\"SPOT\",\"maxRunSeconds\":864000}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        MeteringTest.until(t.member(), "/api/v1/jobs/" + job, j -> "RUNNING".equals(j.getString("state")));
        try {
            Thread.sleep(1500); // whole seconds are counted: the run's first one, to be sure it has one

            JsonPath now = occupancy(Tokens.olga(), cluster, before.truncatedTo(ChronoUnit.HOURS).minus(Duration
                    .ofHours(1)), Instant.now().plus(Duration.ofHours(2)), "day", null).statusCode(200).extract()
                    .jsonPath();
            BigDecimal spot = new BigDecimal(now.getString("totals[0].spotCardSeconds"));
            BigDecimal most = BigDecimal.valueOf(8 * Duration.between(before, Instant.now()).toSeconds() + 8);
            assertEquals(1, spot.signum(), now.prettify());
            assertEquals(true, spot.compareTo(most) <= 0, spot + " above " + most);
            assertEquals(0, spot.compareTo(new BigDecimal(now.getString("totals[0].allocatedCardSeconds"))));
        } finally {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void only_the_clusters_operator_and_platform_admins_read_it_and_bad_input_is_a_clear_400() {
        String cluster = World.cluster(1);
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(1));
        Instant to = from.plus(Duration.ofDays(1));
        occupancy(Tokens.alice(), cluster, from, to, "day", null).statusCode(403)
                .body("code", equalTo("OPERATOR_ROLE_REQUIRED"));
        String slug = "op-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Another city\"}").post("/api/v1/operators").then()
                .statusCode(201);
        occupancy(Tokens.token("oscar", null, slug, "operator"), cluster, from, to, "day", null).statusCode(403)
                .body("code", equalTo("NOT_CLUSTER_OPERATOR"));
        occupancy(Tokens.olga(), UUID.randomUUID().toString(), from, to, "day", null).statusCode(404)
                .body("code", equalTo("CLUSTER_NOT_FOUND"));

        occupancy(Tokens.olga(), cluster, from, to, "week", null).statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("groupBy"));
        occupancy(Tokens.olga(), cluster, to, from, "day", null).statusCode(400)
                .body("errors[0].field", equalTo("to"));
        occupancy(Tokens.olga(), cluster, from, from.plus(Duration.ofDays(32)), "hour", null).statusCode(400)
                .body("errors[0].field", equalTo("to"));
        occupancy(Tokens.olga(), cluster, from, to, "day", "H800").statusCode(400)
                .body("errors[0].field", equalTo("model"));
        given().auth().oauth2(Tokens.olga()).queryParam("from", "yesterday").queryParam("to", to.toString())
                .get("/api/v1/clusters/" + cluster + "/occupancy").then().statusCode(400)
                .body("errors[0].field", equalTo("from"));
    }

    private static io.restassured.response.ValidatableResponse occupancy(String token, String cluster, Instant from,
            Instant to, String groupBy, String model) {
        var request = given().auth().oauth2(token).queryParam("from", from.toString()).queryParam("to", to.toString())
                .queryParam("groupBy", groupBy);
        if (model != null) {
            request = request.queryParam("model", model);
        }
        return request.get("/api/v1/clusters/" + cluster + "/occupancy").then();
    }

    /** One line's figures in card-hours, and its two ratios. */
    private static void line(JsonPath json, String at, Instant start, long available, long draining, long down,
            long onDemand, long spot, long held, String allocation, String sold) {
        String where = json.prettify();
        assertEquals(start.toString(), json.getString(at + ".start"), where);
        assertEquals("ASCEND-910B", json.getString(at + ".model"), where);
        assertCardHours(available + draining + down, json, at + ".cardSeconds");
        assertCardHours(available, json, at + ".availableCardSeconds");
        assertCardHours(draining, json, at + ".drainingCardSeconds");
        assertCardHours(down, json, at + ".downCardSeconds");
        assertCardHours(onDemand + spot, json, at + ".allocatedCardSeconds");
        assertCardHours(onDemand, json, at + ".onDemandCardSeconds");
        assertCardHours(spot, json, at + ".spotCardSeconds");
        assertCardHours(0, json, at + ".reservedRunCardSeconds");
        assertCardHours(held, json, at + ".heldCardSeconds");
        assertEquals(0, new BigDecimal(allocation).compareTo(new BigDecimal(json.getString(at + ".allocation"))),
                at + " allocation " + where);
        assertEquals(0, new BigDecimal(sold).compareTo(new BigDecimal(json.getString(at + ".sold"))), at + " sold "
                + where);
    }

    private static void assertCardHours(long cardHours, JsonPath json, String path) {
        assertEquals(0, BigDecimal.valueOf(cardHours * 3600).compareTo(new BigDecimal(json.getString(path))), path
                + " " + json.getString(path));
    }

    private static Instant hours(Instant t, int h) {
        return t.plus(Duration.ofHours(h));
    }

    private record Change(String node, int cards, String state, Instant at) {}

    private static Change change(String node, int cards, String state, Instant at) {
        return new Change(node, cards, state, at);
    }

    /** The cluster's node history replaced by a timeline of the test's (the triggers are tested on their own). */
    private void rewrite(String cluster, List<Change> changes) {
        pool.withTransaction(c -> {
            var all = c.preparedQuery("delete from node_state_history where cluster_id = $1")
                    .execute(Tuple.of(UUID.fromString(cluster))).replaceWithVoid();
            for (Change ch : changes) {
                all = all.chain(() -> c.preparedQuery("insert into node_state_history (cluster_id, node, gpu_model, "
                        + "cards, state, at) values ($1, $2, 'ASCEND-910B', $3, $4, $5)").execute(Tuple.of(
                        UUID.fromString(cluster), ch.node(), ch.cards(), ch.state(),
                        OffsetDateTime.ofInstant(ch.at(), ZoneOffset.UTC))).replaceWithVoid());
            }
            return all;
        }).await().indefinitely();
    }

    /** "n<k> STATE cards" per row of the cluster's history, by node then as written. */
    private List<String> history(String cluster, String slug) {
        List<String> rows = new ArrayList<>();
        for (Row r : pool.preparedQuery("select node, state, cards from node_state_history where cluster_id = $1 "
                + "order by node, at, id").execute(Tuple.of(UUID.fromString(cluster))).await().indefinitely()) {
            rows.add(r.getString(0).substring(slug.length() + 1) + " " + r.getString(1) + " " + r.getInteger(2));
        }
        return rows;
    }

    private static String slugOf(String cluster) {
        return given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
    }
}
