package city.myriad.jobs;

import static city.myriad.jobs.JobCpuMemoryTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An operator re-imports a cluster's inventory while jobs run on it (World's clusters: nodes of 8 cards, 192 cores,
 * 1.5 TiB): the scheduling loop builds its core again on the nodes as they are now, running jobs keep the cards,
 * CPU and memory they hold, and a job whose node no longer carries it ends as on a node that went down instead of
 * stopping the cluster's scheduling.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class InventoryChangesTest {

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void a_running_job_keeps_its_cpu_when_the_loop_rebuilds_after_a_re_import() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String a = submitted(t.member(), job(cluster, t.projectId(), 1, 120_000, 65_536, 360_000));
        until(t.member(), a, state("RUNNING"));
        // The node moves to another rack: the loop builds its core again, resuming the running job.
        reimport(cluster, 8, "-r9");
        // 72 of 192 cores free: b (100) waits, c (60 cores for a minute, backfilled before b's reserved start) runs
        // beside a. c running shows that a cycle after the rebuild looked at b and left it.
        String b = submitted(t.member(), job(cluster, t.projectId(), 1, 100_000, 0, 360_000));
        String c = submitted(t.member(), job(cluster, t.projectId(), 1, 60_000, 0, 60));
        until(t.member(), c, j -> j.getList("history.to").contains("RUNNING"));
        JsonPath waiting = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + b).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("QUEUED", waiting.getString("state"), "the resumed job's 120 cores are still taken");
        assertEquals("CAPACITY", waiting.getString("reason"));
        assertEquals("RUNNING", given().auth().oauth2(t.member()).get("/api/v1/jobs/" + a).then().extract()
                .path("state"));
        for (String j : new String[] {a, b, c}) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_job_whose_node_is_re_imported_with_less_cpu_than_it_took_runs_on() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String a = submitted(t.member(), job(cluster, t.projectId(), 1, 120_000, 0, 360_000));
        until(t.member(), a, state("RUNNING"));
        // The node is imported again with 100 cores: less than the running job took. It runs on, holding them all.
        reimport(cluster, 8, "-r1", 100_000);
        String cardsOnly = submitted(t.member(), job(cluster, t.projectId(), 1, 0, 0, 60));
        until(t.member(), cardsOnly, j -> j.getList("history.to").contains("RUNNING"));
        String wantsCpu = submitted(t.member(), job(cluster, t.projectId(), 1, 1_000, 0, 60));
        String again = submitted(t.member(), job(cluster, t.projectId(), 1, 0, 0, 60));
        until(t.member(), again, j -> j.getList("history.to").contains("RUNNING"));
        assertEquals("RUNNING", given().auth().oauth2(t.member()).get("/api/v1/jobs/" + a).then().extract()
                .path("state"));
        assertEquals("QUEUED", given().auth().oauth2(t.member()).get("/api/v1/jobs/" + wantsCpu).then().extract()
                .path("state"), "no core is free while it runs");
        for (String j : new String[] {a, wantsCpu}) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_job_whose_cards_are_gone_after_a_re_import_ends_and_the_cluster_keeps_scheduling() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String whole = submitted(t.member(), job(cluster, t.projectId(), 8, 0, 0, 360_000));
        until(t.member(), whole, state("RUNNING"));
        // Four of the node's cards failed and were taken out: it is imported again with 4 cards.
        reimport(cluster, 4, "-r1");
        JsonPath ended = until(t.member(), whole, state("FAILED"));
        assertEquals("NODE_DOWN", ended.getString("reason"));
        // The loop schedules on: a job of the 4 cards left starts.
        String four = submitted(t.member(), job(cluster, t.projectId(), 4, 0, 0, 600));
        until(t.member(), four, state("RUNNING"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + four + "/cancel").then().statusCode(200);
    }

    @Test
    void a_cluster_with_a_node_without_cards_compares_its_nodes_without_failing_a_cycle() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        // A CPU-only node (no cards, so no model) is added, then imported again with more CPU: each import makes the
        // loop compare the nodes it was built on with the nodes as they are.
        for (String cpu : new String[] {"64000", "128000"}) {
            given().auth().oauth2(Tokens.olga()).contentType("text/csv")
                    .body("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n" + slug + "-cpu1,,0," + cpu
                            + ",262144," + slug + "-r1," + slug + "-b1\n")
                    .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
            String job = submitted(t.member(), job(cluster, t.projectId(), 1, 0, 0, 600));
            until(t.member(), job, state("RUNNING"));
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
        }
        io.micrometer.core.instrument.Counter failed = meters.find("myriad.scheduler.cycle.failures")
                .tag("cluster", cluster).counter();
        assertEquals(0, failed == null ? 0 : failed.count(), "no cycle of the cluster failed");
    }

    @Test
    void a_node_is_removed_only_out_of_service_and_unused_and_the_scheduler_forgets_it() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String whole = submitted(t.member(), job(cluster, t.projectId(), 8, 0, 0, 360_000));
        String node = until(t.member(), whole, state("RUNNING")).getString("placement[0].node");
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;
        String etag = given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(409).body("code",
                equalTo("NODE_IN_SERVICE"));
        setState(path, "DRAINING");
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(409).body("code", equalTo("NODE_IN_USE"));
        given().auth().oauth2(t.admin()).delete(path).then().statusCode(403);
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + whole + "/cancel").then().statusCode(200);
        // Read before it was drained: 412, still there.
        given().auth().oauth2(Tokens.olga()).header("If-Match", etag).delete(path).then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(204);
        given().auth().oauth2(Tokens.olga()).get(path).then().statusCode(404).body("code", equalTo("NODE_NOT_FOUND"));
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(404);
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200)
                .body("items.size()", equalTo(1));
        // The cluster sells 8 cards now: 16 can never run; 8 run on the node left.
        submit(t.member(), job(cluster, t.projectId(), 16, 0, 0, 600)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        String eight = submitted(t.member(), job(cluster, t.projectId(), 8, 0, 0, 600));
        org.junit.jupiter.api.Assertions.assertNotEquals(node, until(t.member(), eight, state("RUNNING"))
                .getString("placement[0].node"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + eight + "/cancel").then().statusCode(200);
        // In the operator's trail, with what the node was.
        JsonPath trail = given().auth().oauth2(Tokens.olga()).get("/api/v1/operators/"
                + city.myriad.demo.DemoData.HANGZHOU + "/audit-events?action=removeNode&targetId=" + cluster + "/"
                + node).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("removeNode"), trail.getList("items.action"));
        assertEquals(8, trail.getInt("items[0].details.cards"));
        assertEquals("DRAINING", trail.getString("items[0].details.state"));
    }

    @Test
    void a_node_whose_cards_reservations_sold_need_is_not_removed_unless_it_is_down() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        java.time.Instant tomorrow = java.time.Instant.now().plus(java.time.Duration.ofDays(1));
        JobsTest.reserve(t, cluster, 8, tomorrow, tomorrow.plus(java.time.Duration.ofHours(4)));
        String node = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .extract().path("items[0].name");
        String path = "/api/v1/clusters/" + cluster + "/nodes/" + node;
        setState(path, "DRAINING");
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(409).body("code",
                equalTo("NODE_RESERVED"));
        // Down, its cards are sold to nobody already (the reservation's shortfall is credited): it may go.
        setState(path, "DOWN");
        given().auth().oauth2(Tokens.olga()).delete(path).then().statusCode(204);
    }

    private static void setState(String nodePath, String state) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"" + state + "\"}")
                .put(nodePath + "/state").then().statusCode(200);
    }

    /** The one node of World's cluster imported again with {@code cards} cards in rack slug + {@code rack}. */
    private static void reimport(String cluster, int cards, String rack) {
        reimport(cluster, cards, rack, 192_000);
    }

    private static void reimport(String cluster, int cards, String rack, long cpuMilli) {
        String slug = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
        String csv = "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n" + slug + "-n1,ASCEND-910B," + cards
                + "," + cpuMilli + ",1572864," + slug + rack + "," + slug + "-b1\n";
        given().auth().oauth2(Tokens.olga()).contentType("text/csv").body(csv)
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
    }
}
