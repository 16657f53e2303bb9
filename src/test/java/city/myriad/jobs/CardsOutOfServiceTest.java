package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A card fails on a node that works on (setCardState, an agent's CARD_DOWN): the card keeps its index, takes no new
 * work and is sold to nobody, what ran on it ends as on a node down (credited; SPOT requeued), and the node's other
 * cards keep running and taking work (World's clusters: nodes of 8 cards).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class CardsOutOfServiceTest {

    @Test
    void a_card_taken_out_ends_what_ran_on_it_and_its_node_works_on_with_its_other_cards() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String onDemand = submitted(t.admin(), job(cluster, t.projectId(), "2", "ON_DEMAND", 36000));
        String spot = submitted(t.admin(), job(cluster, t.projectId(), "2", "SPOT", 36000));
        JsonPath od = until(t.admin(), onDemand, state("RUNNING"));
        JsonPath sp = until(t.admin(), spot, state("RUNNING"));
        String node = od.getString("placement[0].node");
        int failed = od.getInt("placement[0].cards[1]");
        List<Integer> spotCards = sp.getList("placement[0].cards", Integer.class);
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;

        JsonPath out = card(Tokens.olga(), path, failed, "{\"state\":\"DOWN\",\"reason\":\"Xid 79: fell off the bus\"}")
                .statusCode(200).extract().jsonPath();
        assertEquals("AVAILABLE", out.getString("state"), "the node stays in service");
        assertEquals(8, out.getInt("gpus"));
        assertEquals(7, out.getInt("cardsInService"));
        assertEquals(List.of(failed), out.getList("cardsOut.card", Integer.class));
        assertEquals("Xid 79: fell off the bus", out.getString("cardsOut[0].reason"));
        assertEquals("olga", out.getString("cardsOut[0].setBy"));
        // The on-demand job on it fails, credited; the SPOT job on other cards runs on.
        JsonPath ended = until(t.admin(), onDemand, state("FAILED"));
        assertEquals("CARD_DOWN", ended.getString("reason"));
        assertTrue(ended.getLong("credit.amountMinor") == ended.getLong("cost.amountMinor"),
                "the interrupted run is credited whole: " + ended.prettify());
        assertEquals("RUNNING", read(t.admin(), spot).getString("state"));
        assertEquals(1, read(t.admin(), spot).getInt("attempt"));

        // The repair list: only the node with a card out.
        given().auth().oauth2(Tokens.olga()).queryParam("cardsOut", true).get("/api/v1/clusters/" + cluster + "/nodes")
                .then().statusCode(200).body("items.name", equalTo(List.of(node)))
                .body("items[0].cardsOut.card", equalTo(List.of(failed)));
        given().auth().oauth2(Tokens.olga()).queryParam("cardsOut", "yes").get("/api/v1/clusters/" + cluster
                + "/nodes").then().statusCode(400).body("errors[0].field", equalTo("cardsOut"));
        // The node's capacity counts the card down, and 8 cards can no longer run on the cluster.
        given().auth().oauth2(t.admin()).get("/api/v1/clusters/" + cluster + "/capacity").then().statusCode(200)
                .body("cards.total", equalTo(8)).body("cards.available", equalTo(7)).body("cards.down", equalTo(1));
        submit(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 600)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        // Five cards are free in service: a 5-card job runs there, never on the card out.
        String five = submitted(t.admin(), job(cluster, t.projectId(), "5", "ON_DEMAND", 36000));
        List<Integer> fiveCards = until(t.admin(), five, state("RUNNING")).getList("placement[0].cards", Integer.class);
        assertFalse(fiveCards.contains(failed), fiveCards + " holds the card out " + failed);
        assertFalse(fiveCards.stream().anyMatch(spotCards::contains), "the SPOT job's cards stay its own");

        // Its agent reports a card of the SPOT job down: requeued (no two cards in service are free), credited.
        int second = spotCards.get(0);
        events(cluster, "{\"events\":[{\"eventId\":\"card-" + spot + "\",\"type\":\"CARD_DOWN\",\"node\":\"" + node
                + "\",\"card\":" + second + ",\"detail\":\"HBM uncorrectable ECC\"}]}").statusCode(200)
                .body("results[0].outcome", equalTo("APPLIED"));
        JsonPath requeued = until(t.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
        assertEquals("QUEUED", requeued.getString("state"));
        assertEquals("CARD_DOWN", requeued.getList("history.reason").get(requeued.getList("history.to")
                .indexOf("PREEMPTED")));
        JsonPath twoOut = given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(Math.min(failed, second), Math.max(failed, second)),
                twoOut.getList("cardsOut.card", Integer.class));
        assertEquals("agent", twoOut.getString("cardsOut.find { it.card == " + second + " }.setBy"));
        assertEquals("HBM uncorrectable ECC", twoOut.getString("cardsOut.find { it.card == " + second + " }.reason"));
        // The same event again is a duplicate; the card back (CARD_UP) lets the SPOT job run again.
        events(cluster, "{\"events\":[{\"eventId\":\"card-" + spot + "\",\"type\":\"CARD_DOWN\",\"node\":\"" + node
                + "\",\"card\":" + second + "}]}").statusCode(200).body("results[0].outcome", equalTo("DUPLICATE"));
        events(cluster, "{\"events\":[{\"eventId\":\"up-" + spot + "\",\"type\":\"CARD_UP\",\"node\":\"" + node
                + "\",\"card\":" + second + "}]}").statusCode(200).body("results[0].outcome", equalTo("APPLIED"));
        JsonPath again = until(t.admin(), spot, state("RUNNING"));
        assertEquals(2, again.getInt("attempt"));
        assertFalse(again.getList("placement[0].cards", Integer.class).contains(failed));

        // Put back by the operator: a repeat changes nothing and is recorded once.
        card(Tokens.olga(), path, failed, "{\"state\":\"AVAILABLE\"}").statusCode(200).body("cardsInService",
                equalTo(8)).body("cardsOut.size()", equalTo(0));
        card(Tokens.olga(), path, failed, "{\"state\":\"AVAILABLE\"}").statusCode(200);
        given().auth().oauth2(Tokens.olga()).queryParam("cardsOut", true).get("/api/v1/clusters/" + cluster + "/nodes")
                .then().statusCode(200).body("items.size()", equalTo(0));
        JsonPath trail = given().auth().oauth2(Tokens.olga()).get("/api/v1/operators/"
                + city.myriad.demo.DemoData.HANGZHOU + "/audit-events?action=setCardState&targetId=" + cluster + "/"
                + node).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("AVAILABLE", "DOWN"), trail.getList("items.details.state"), "newest first, once each");
        assertEquals("Xid 79: fell off the bus", trail.getString("items[1].details.reason"));
        // The node's history: every change of its cards out.
        JsonPath history = given().auth().oauth2(Tokens.olga()).get(path + "/history").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(List.of(0, 1, 2, 1, 0), history.getList("items.cardsOut", Integer.class).subList(0, 5),
                "newest first: back, the agent's card back, the agent's card out, the operator's card out, imported");
        // The outages kept, newest first: which card, why, who took it out and who put it back.
        String outages = "/api/v1/clusters/" + cluster + "/card-outages";
        JsonPath kept = given().auth().oauth2(Tokens.olga()).get(outages).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(second, failed), kept.getList("items.card", Integer.class));
        assertEquals(List.of("agent", "olga"), kept.getList("items.setBy"));
        assertEquals(List.of("agent", "olga"), kept.getList("items.backBy"));
        assertEquals("HBM uncorrectable ECC", kept.getString("items[0].reason"));
        assertTrue(kept.getLong("items[1].secondsOut") >= 0 && kept.getString("items[1].backAt") != null);
        given().auth().oauth2(Tokens.olga()).queryParam("from", java.time.Instant.now().plusSeconds(60).toString())
                .get(outages).then().statusCode(200).body("items.size()", equalTo(0));
        given().auth().oauth2(Tokens.olga()).queryParam("limit", 1).get(outages).then().statusCode(200)
                .body("items.card", equalTo(List.of(second))).body("nextCursor", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(Tokens.olga()).queryParam("from", "2026-12-02T00:00:00Z")
                .queryParam("to", "2026-12-01T00:00:00Z").get(outages).then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
        given().auth().oauth2(t.admin()).get(outages).then().statusCode(403);
        for (String j : new String[] {spot, five}) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_card_change_is_refused_whole_for_bad_input_the_wrong_caller_or_a_stale_tag() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String node = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().path("items[0].name");
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;
        String etag = given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).extract().header("ETag");
        String down = "{\"state\":\"DOWN\",\"reason\":\"chip fault\"}";
        card(Tokens.olga(), path, 8, down).statusCode(404).body("code", equalTo("CARD_NOT_FOUND"));
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body(down)
                .put(path + "/cards/x/state").then().statusCode(404).body("code", equalTo("CARD_NOT_FOUND"));
        card(Tokens.olga(), path, 1, "{\"state\":\"DOWN\"}").statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        card(Tokens.olga(), path, 1, "{\"state\":\"BROKEN\",\"reason\":\"x\"}").statusCode(400);
        card(Tokens.olga(), path, 1, "{\"state\":\"DOWN\",\"reason\":\"" + "r".repeat(501) + "\"}").statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        card(t.admin(), path, 1, down).statusCode(403);
        card(Tokens.olga(), "/api/v1/clusters/" + cluster + "/nodes/no-such-node", 1, down).statusCode(404)
                .body("code", equalTo("NODE_NOT_FOUND"));
        events(cluster, "{\"events\":[{\"eventId\":\"c1-" + cluster + "\",\"type\":\"CARD_DOWN\",\"node\":\"" + node
                + "\"}]}").statusCode(400).body("errors[0].field", equalTo("card"));
        events(cluster, "{\"events\":[{\"eventId\":\"c2-" + cluster + "\",\"type\":\"CARD_DOWN\",\"node\":\"" + node
                + "\",\"card\":8}]}").statusCode(400).body("errors[0].field", equalTo("card"));
        // Nothing of those changed the node: its tag still matches, and a change under it passes once.
        given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).header("ETag", etag)
                .body("cardsInService", equalTo(8));
        given().auth().oauth2(Tokens.olga()).header("If-Match", etag).contentType("application/json").body(down)
                .put(path + "/cards/1/state").then().statusCode(200).body("cardsInService", equalTo(7));
        given().auth().oauth2(Tokens.olga()).header("If-Match", etag).contentType("application/json")
                .body("{\"state\":\"AVAILABLE\"}").put(path + "/cards/1/state").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).body("cardsOut.card", equalTo(List.of(1)));
        // Re-imported as other hardware (4 cards), the node starts with every card in service.
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().extract()
                .path("slug");
        given().auth().oauth2(Tokens.olga()).contentType("text/csv")
                .body("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n" + node + ",ASCEND-910B,4,192000,"
                        + "1572864," + slug + "-r1," + slug + "-b1\n")
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).body("gpus", equalTo(4))
                .body("cardsInService", equalTo(4)).body("cardsOut.size()", equalTo(0));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/card-outages").then()
                .statusCode(200).body("items.card", equalTo(List.of(1))).body("items[0].backBy", equalTo("import"));
    }

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void a_node_whose_every_card_is_out_takes_no_card_work_and_the_cluster_schedules_on() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String node = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().path("items[0].name");
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;
        for (int c = 0; c < 8; c++) {
            card(Tokens.olga(), path, c, "{\"state\":\"DOWN\",\"reason\":\"the board is being replaced\"}")
                    .statusCode(200);
        }
        given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).body("state", equalTo("AVAILABLE"))
                .body("cardsInService", equalTo(0));
        given().auth().oauth2(t.admin()).get("/api/v1/clusters/" + cluster + "/capacity").then().statusCode(200)
                .body("cards.available", equalTo(0)).body("cards.down", equalTo(8));
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 600)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        // One card back: a one-card job runs on it, and on nothing else.
        card(Tokens.olga(), path, 6, "{\"state\":\"AVAILABLE\"}").statusCode(200).body("cardsInService", equalTo(1));
        String one = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 600));
        assertEquals(List.of(6), until(t.admin(), one, state("RUNNING")).getList("placement[0].cards", Integer.class));
        assertNoCycleFailed(cluster);
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + one + "/cancel").then().statusCode(200);
    }

    @Test
    void jobs_waiting_when_cards_go_out_wait_for_their_repair_instead_of_failing() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String node = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().path("items[0].name");
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;
        String small = submitted(t.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":36000,"
                + "\"maxRequeues\":1}");
        int smallCard = until(t.admin(), small, state("RUNNING")).getInt("placement[0].cards[0]");
        // (Runs of 36,000 s: 60 s under the tests' emulated agents, which end a run after maxRunSeconds / 600.)
        String wide = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        until(t.admin(), wide, j -> "CAPACITY".equals(j.getString("reason")));

        // One card out, not the small job's: the wide job no longer fits the cards in service (7 on the only node),
        // but it fits the hardware, so it waits for the repair; it is not failed NEVER_FITS.
        int out = smallCard == 0 ? 1 : 0;
        card(Tokens.olga(), path, out, "{\"state\":\"DOWN\",\"reason\":\"Xid 79\"}").statusCode(200);
        String probe = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 36000));
        until(t.admin(), probe, state("RUNNING"));  // the rebuilt core has run cycles since
        JsonPath waiting = read(t.admin(), wide);
        assertEquals("QUEUED", waiting.getString("state"));
        assertEquals("CARDS_OUT", waiting.getString("reason"));

        // Every card out, the small job's last (the model has no card in service left when its run ends): its run
        // ends CARD_DOWN and, with a requeue left, it waits in the queue; the probe, with none, fails; the wide job
        // still waits.
        for (int c : java.util.stream.IntStream.range(0, 8).boxed().sorted(java.util.Comparator.comparing(
                c -> c == smallCard)).toList()) {
            if (c != out) {
                card(Tokens.olga(), path, c, "{\"state\":\"DOWN\",\"reason\":\"the board is being replaced\"}")
                        .statusCode(200);
            }
        }
        JsonPath requeued = until(t.admin(), small, j -> j.getInt("attempt") == 1
                && j.getString("state").equals("QUEUED"));
        assertEquals(0, requeued.getInt("requeuesLeft"));
        assertEquals("CARD_DOWN", until(t.admin(), probe, state("FAILED")).getString("reason"));
        assertEquals("QUEUED", read(t.admin(), wide).getString("state"));
        // Both say why they wait (the model has no card in service: no core job for either).
        until(t.admin(), small, j -> "CARDS_OUT".equals(j.getString("reason")));
        assertEquals("CARDS_OUT", read(t.admin(), wide).getString("reason"));

        // The board back: the small job runs again first (the smaller area), the wide one once it is gone.
        for (int c = 0; c < 8; c++) {
            card(Tokens.olga(), path, c, "{\"state\":\"AVAILABLE\"}").statusCode(200);
        }
        until(t.admin(), small, j -> j.getInt("attempt") == 2 && j.getString("state").equals("RUNNING"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + small + "/cancel").then().statusCode(200);
        assertEquals(1, until(t.admin(), wide, state("RUNNING")).getInt("attempt"));
        assertNoCycleFailed(cluster);
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + wide + "/cancel").then().statusCode(200);
    }

    @Test
    void a_whole_node_job_is_not_spread_over_nodes_with_cards_out_and_a_gang_waits_for_its_cards() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String a = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        String b = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        String nodeA = until(t.admin(), a, state("RUNNING")).getString("placement[0].node");
        String nodeB = until(t.admin(), b, state("RUNNING")).getString("placement[0].node");
        String eight = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        String gang = submitted(t.admin(), job(cluster, t.projectId(), "16", "ON_DEMAND", 36000));
        until(t.admin(), gang, j -> "CAPACITY".equals(j.getString("reason")));

        // A card out on each node: 7 + 7 in service. The 8-card job belongs on one node of the hardware, and would be
        // spread over two by a core that sees nodes of 7; the 16-card gang is larger than the cards in service. Both
        // wait for the repair.
        String pathA = "/api/v1/clusters/" + cluster + "/nodes/" + nodeA;
        String pathB = "/api/v1/clusters/" + cluster + "/nodes/" + nodeB;
        card(Tokens.olga(), pathA, 3, "{\"state\":\"DOWN\",\"reason\":\"Xid 79\"}").statusCode(200);
        card(Tokens.olga(), pathB, 3, "{\"state\":\"DOWN\",\"reason\":\"Xid 79\"}").statusCode(200);
        assertEquals("CARD_DOWN", until(t.admin(), a, state("FAILED")).getString("reason"));
        assertEquals("CARD_DOWN", until(t.admin(), b, state("FAILED")).getString("reason"));
        String probe = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 36000));
        String probeNode = until(t.admin(), probe, state("RUNNING")).getString("placement[0].node");
        for (String waiting : List.of(eight, gang)) {
            JsonPath w = read(t.admin(), waiting);
            assertEquals("QUEUED", w.getString("state"), waiting);
            assertEquals("CARDS_OUT", w.getString("reason"));
            assertNull(w.get("estimatedStartAt"), "the cards in service cannot hold it: no start to estimate");
            assertTrue(w.getLong("queuePosition") >= 1);
        }

        // The card back on the node the probe left whole: the 8-card job runs there, on one node.
        String whole = probeNode.equals(nodeA) ? pathB : pathA;
        card(Tokens.olga(), whole, 3, "{\"state\":\"AVAILABLE\"}").statusCode(200);
        JsonPath ran = until(t.admin(), eight, state("RUNNING"));
        assertEquals(1, ran.getList("placement").size());
        assertEquals(8, ran.getList("placement[0].cards").size());
        assertEquals("QUEUED", read(t.admin(), gang).getString("state"));

        // Every card back and the cluster empty: the gang runs over both nodes.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + eight + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + probe + "/cancel").then().statusCode(200);
        card(Tokens.olga(), whole.equals(pathA) ? pathB : pathA, 3, "{\"state\":\"AVAILABLE\"}").statusCode(200);
        assertEquals(2, until(t.admin(), gang, state("RUNNING")).getList("placement").size());
        assertNoCycleFailed(cluster);
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + gang + "/cancel").then().statusCode(200);
    }

    private void assertNoCycleFailed(String cluster) {
        io.micrometer.core.instrument.Counter failed = meters.find("myriad.scheduler.cycle.failures")
                .tag("cluster", cluster).counter();
        assertEquals(0, failed == null ? 0 : failed.count(), "no cycle of the cluster failed");
    }

    private static ValidatableResponse card(String token, String nodePath, int card, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body)
                .put(nodePath + "/cards/" + card + "/state").then();
    }

    private static ValidatableResponse events(String cluster, String body) {
        return given().auth().oauth2(Tokens.olga()).contentType("application/json").body(body)
                .post("/api/v1/clusters/" + cluster + "/events").then();
    }

    private static JsonPath read(String token, String job) {
        return given().auth().oauth2(token).get("/api/v1/jobs/" + job).then().statusCode(200).extract().jsonPath();
    }
}
