package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * createJob's maxRequeues: a run the infrastructure ends (a card out, a node down, a maintenance window) puts a job
 * that is not SPOT back in the queue instead of failing it, as many times as asked, each run credited; then it fails
 * as before.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class InfrastructureRequeuesTest {

    @Test
    void an_on_demand_job_is_requeued_as_often_as_it_asked_then_fails_as_before() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String id = submitted(t.admin(), job(cluster, t.projectId(), "4", "ON_DEMAND", 1));
        JsonPath first = until(t.admin(), id, state("RUNNING"));
        assertEquals(1, first.getInt("requeuesLeft"));
        String node = first.getString("placement[0].node");
        int card = first.getInt("placement[0].cards[0]");

        // A card of its taken out: back in the queue (credited), one requeue used, and it runs again elsewhere.
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"state\":\"DOWN\",\"reason\":\"Xid 48\"}")
                .put("/api/v1/clusters/" + cluster + "/nodes/" + node + "/cards/" + card + "/state").then()
                .statusCode(200);
        JsonPath again = until(t.admin(), id, j -> j.getInt("attempt") == 2 && j.getString("state").equals("RUNNING"));
        assertEquals(0, again.getInt("requeuesLeft"));
        assertFalse(again.getList("placement[0].cards", Integer.class).contains(card));
        List<String> to = again.getList("history.to");
        int preempted = to.indexOf("PREEMPTED");
        assertEquals("CARD_DOWN", again.getList("history.reason").get(preempted));
        assertEquals("QUEUED", to.get(preempted + 1));
        assertEquals("REQUEUED", again.getList("history.reason").get(preempted + 1));

        // No requeue left: its node going down fails it, as a job that asked none.
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"down-" + id + "\",\"type\":\"NODE_DOWN\",\"node\":\"" + node
                        + "\"}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200);
        JsonPath failed = until(t.admin(), id, state("FAILED"));
        assertEquals("NODE_DOWN", failed.getString("reason"));
        assertEquals(2, failed.getInt("attempt"));
        assertEquals(failed.getLong("cost.amountMinor"), failed.getLong("credit.amountMinor"), "both runs credited");
    }

    @Test
    void requeues_are_asked_within_bounds_and_spot_jobs_need_none() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 11)).then().statusCode(400)
                .body("errors[0].field", equalTo("maxRequeues"));
        submit(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", -1)).then().statusCode(400)
                .body("errors[0].field", equalTo("maxRequeues"));
        String spot = submitted(t.admin(), job(cluster, t.projectId(), "1", "SPOT", 3));
        assertEquals(0, given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + spot).then().statusCode(200)
                .extract().jsonPath().getInt("requeuesLeft"), "SPOT work is requeued always");
        String plain = submitted(t.admin(), JobsTest.job(cluster, t.projectId(), "1", "ON_DEMAND", 600));
        assertEquals(0, given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + plain).then().statusCode(200)
                .extract().jsonPath().getInt("requeuesLeft"), "none unless asked");
        for (String j : new String[] {spot, plain}) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void requeues_left_are_patched_while_the_job_waits_after_a_run_too_and_the_loop_counts_them() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 0));
        until(t.admin(), blocker, state("RUNNING"));
        String id = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 0));
        until(t.admin(), id, j -> "CAPACITY".equals(j.getString("reason")));

        // Submitted without requeues, waiting in the loop's queue: given one by a patch of that field alone.
        patch(t.admin(), id, "{\"requeuesLeft\": 1}").then().statusCode(200).body("requeuesLeft", equalTo(1));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        JsonPath running = until(t.admin(), id, state("RUNNING"));
        String node = running.getString("placement[0].node");

        // Its node down: requeued, not FAILED (the loop, which ends the run from the row it keeps, read the patched
        // one), and it waits for the node.
        nodeEvent(cluster, node, "NODE_DOWN", "down-1-" + id);
        JsonPath waiting = until(t.admin(), id, j -> j.getInt("attempt") == 1 && j.getString("state").equals("QUEUED"));
        assertEquals(0, waiting.getInt("requeuesLeft"));
        assertEquals("NODE_DOWN", waiting.getList("history.reason").get(waiting.getList("history.to").indexOf(
                "PREEMPTED")));

        // After a run: requeuesLeft (and priority) may change, nothing labelled with what ran may.
        patch(t.admin(), id, "{\"name\": \"renamed\"}").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_UPDATABLE"));
        patch(t.admin(), id, "{\"requeuesLeft\": 2, \"priority\": 5}").then().statusCode(200)
                .body("requeuesLeft", equalTo(2)).body("priority", equalTo(5));
        nodeEvent(cluster, node, "NODE_UP", "up-1-" + id);
        until(t.admin(), id, j -> j.getInt("attempt") == 2 && j.getString("state").equals("RUNNING"));

        // Down again: requeued again, one of the two used.
        nodeEvent(cluster, node, "NODE_DOWN", "down-2-" + id);
        JsonPath again = until(t.admin(), id, j -> j.getInt("attempt") == 2 && j.getString("state").equals("QUEUED"));
        assertEquals(1, again.getInt("requeuesLeft"));
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
    }

    @Test
    void a_patch_of_requeues_left_is_checked() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String plain = submitted(t.admin(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId()
                + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600,"
                + "\"notBefore\":\"" + java.time.Instant.now().plusSeconds(3600) + "\"}");
        for (String bad : new String[] {"11", "-1", "\"two\""}) {
            patch(t.admin(), plain, "{\"requeuesLeft\": " + bad + "}").then().statusCode(400)
                    .body("errors[0].field", equalTo("requeuesLeft"));
        }
        patch(t.admin(), plain, "{\"requeuesLeft\": 3}").then().statusCode(200).body("requeuesLeft", equalTo(3));
        patch(t.admin(), plain, "{\"requeuesLeft\": null}").then().statusCode(200).body("requeuesLeft", equalTo(0));
        String spot = submitted(t.admin(), job(cluster, t.projectId(), "1", "SPOT", 0).replace("\"maxRunSeconds\"",
                "\"notBefore\":\"" + java.time.Instant.now().plusSeconds(3600) + "\",\"maxRunSeconds\""));
        patch(t.admin(), spot, "{\"requeuesLeft\": 1}").then().statusCode(400)
                .body("errors[0].field", equalTo("requeuesLeft"));
        patch(t.admin(), spot, "{\"requeuesLeft\": 0}").then().statusCode(200).body("requeuesLeft", equalTo(0));
        // Another tenant's job is not found, as every job route answers.
        patch(World.tenant().admin(), plain, "{\"requeuesLeft\": 1}").then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        for (String j : new String[] {spot, plain}) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    private static io.restassured.response.Response patch(String token, String id, String body) {
        return given().auth().oauth2(token).contentType("application/merge-patch+json").body(body)
                .patch("/api/v1/jobs/" + id);
    }

    private static void nodeEvent(String cluster, String node, String type, String eventId) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"" + eventId + "\",\"type\":\"" + type + "\",\"node\":\"" + node
                        + "\"}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200);
    }

    private static String job(String cluster, String project, String cards, String cls, int maxRequeues) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":" + cards + ",\"class\":\"" + cls + "\",\"maxRunSeconds\":36000,\"maxRequeues\":"
                + maxRequeues + "}";
    }
}
