package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.jobs.service.ClusterEmulator;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Job arrays ({@code createJobArray}, as Slurm's {@code sbatch --array}): many jobs alike bought at once, all or
 * none, each its own job afterwards and knowing its index; found, counted and cancelled by the array.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobArraysTest {

    @Inject
    ClusterEmulator emulator;

    @Test
    void an_array_submits_its_jobs_at_once_each_knowing_its_index_and_is_found_counted_and_cancelled_whole() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        // Four jobs of 4 cards on one node of 8: two run, two wait.
        Response made = array(t.member(), null, 4, job(cluster, t.projectId(), "4", "ON_DEMAND", 3600)
                .replace("}", ",\"name\":\"sweep\",\"tags\":{\"lr\":\"3e-4\"}}"));
        made.then().statusCode(201).header("Location", equalTo("/api/v1/job-arrays/" + made.path("id")))
                .body("size", equalTo(4)).body("jobIds", hasSize(4)).body("states", equalTo(Map.of("QUEUED", 4)));
        String arrayId = made.path("id");
        List<String> jobIds = made.path("jobIds");
        for (int i = 0; i < 4; i++) {
            JsonPath j = given().auth().oauth2(t.viewer()).get("/api/v1/jobs/" + jobIds.get(i)).then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(arrayId, j.getString("arrayId"));
            assertEquals(i, j.getInt("arrayIndex"));
            assertEquals("sweep", j.getString("name"));
            assertEquals(Map.of("lr", "3e-4"), j.getMap("tags"));
            assertEquals(made.path("submittedBy"), j.getString("submittedBy"));
        }
        for (String id : jobIds) {
            emulator.hang(UUID.fromString(id));
        }
        JsonPath counted = untilCounted(t, arrayId, "RUNNING", 2);
        assertEquals(Map.of("RUNNING", 2, "QUEUED", 2), counted.getMap("states"));

        // The list finds them by the array, in index order; a job submitted alone is not among them.
        String alone = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?arrayId=" + arrayId).then().statusCode(200)
                .body("items.id", equalTo(jobIds)).body("items.arrayIndex", equalTo(List.of(0, 1, 2, 3)));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + alone).then().body("arrayId", equalTo(null))
                .body("arrayIndex", equalTo(null));

        // Another tenant sees neither the array nor its jobs; a viewer may read it but not buy one.
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.admin()).get("/api/v1/job-arrays/" + arrayId).then().statusCode(404)
                .body("code", equalTo("JOB_ARRAY_NOT_FOUND"));
        given().auth().oauth2(other.admin()).get("/api/v1/jobs?arrayId=" + arrayId).then().statusCode(200)
                .body("items", hasSize(0));
        given().auth().oauth2(other.admin()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(0));
        array(t.viewer(), null, 2, job(cluster, t.projectId(), "1", "ON_DEMAND", 60)).then().statusCode(403);

        // One call cancels the array, the job submitted alone left alone.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(4));
        given().auth().oauth2(t.viewer()).get("/api/v1/job-arrays/" + arrayId).then().statusCode(200)
                .body("states", equalTo(Map.of("CANCELLED", 4))).body("jobIds", equalTo(jobIds));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + alone).then().body("state",
                org.hamcrest.Matchers.not(equalTo("CANCELLED")));
    }

    @Test
    void an_arrays_cost_is_its_jobs_costs_summed() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Response made = array(t.member(), null, 3, job(cluster, t.projectId(), "2", "ON_DEMAND", 3600));
        // 2 cards x 1 h at 12.00 a card-hour: 24.00 each, 72.00 for the three; nothing spent yet.
        made.then().statusCode(201).body("projectedCost.amountMinor", equalTo(7200))
                .body("cost.amountMinor", equalTo(0)).body("credit.amountMinor", equalTo(0));
        String arrayId = made.path("id");
        List<String> ids = made.path("jobIds");
        ids.forEach(id -> emulator.hang(UUID.fromString(id)));
        untilCounted(t, arrayId, "RUNNING", 3);
        JobsTest.sleep(2100);  // at least two whole seconds charged
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200).body("cancelled", equalTo(3));
        long sum = 0;
        for (String id : ids) {
            sum += given().auth().oauth2(t.member()).get("/api/v1/jobs/" + id).then().body("state", equalTo("CANCELLED"))
                    .extract().jsonPath().getLong("cost.amountMinor");
        }
        JsonPath array = given().auth().oauth2(t.viewer()).get("/api/v1/job-arrays/" + arrayId).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(sum, array.getLong("cost.amountMinor"));
        org.junit.jupiter.api.Assertions.assertTrue(sum > 0, "the runs were charged: " + sum);
        assertEquals("CNY", array.getString("cost.currency"));
        assertEquals(7200, array.getInt("projectedCost.amountMinor"));
    }

    @Test
    void an_array_is_bought_whole_or_not_at_all_and_a_keyed_retry_makes_no_job_again() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[],\"budget\":{\"amountMinor\":10000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        // 3 jobs of 2 cards x 1 h at 12.00 a card-hour: 72.00 in all, within 100.00; 5 of them (120.00) are not.
        array(t.member(), null, 5, job(cluster, t.projectId(), "2", "ON_DEMAND", 3600)).then().statusCode(422)
                .body("code", equalTo("BUDGET_EXCEEDED"))
                .body("detail", org.hamcrest.Matchers.containsString("The array's 5 jobs may cost up to"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().body("items", hasSize(0));

        String body = job(cluster, t.projectId(), "2", "ON_DEMAND", 3600);
        Response first = array(t.member(), "sweep-1", 3, body);
        first.then().statusCode(201).header("Idempotent-Replayed", equalTo("false"));
        Response again = array(t.member(), "sweep-1", 3, body);
        again.then().statusCode(201).header("Idempotent-Replayed", equalTo("true"))
                .body("id", equalTo(first.path("id"))).body("jobIds", equalTo(first.path("jobIds")));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().body("items", hasSize(3));
        array(t.member(), "sweep-1", 2, body).then().statusCode(409).body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));

        // Bad input: 400 naming the field, inside the job as job.<field>; nothing queued.
        array(t.member(), null, 0, body).then().statusCode(400).body("errors[0].field", equalTo("size"));
        array(t.member(), null, 1001, body).then().statusCode(400).body("errors[0].field", equalTo("size"));
        array(t.member(), null, 2, body.replace("}", ",\"quoteId\":\"" + UUID.randomUUID() + "\"}")).then()
                .statusCode(400).body("errors[0].field", equalTo("job.quoteId"));
        array(t.member(), null, 2, body.replace("}", ",\"tags\":{\"-bad\":\"x\"}}")).then().statusCode(400)
                .body("errors[0].field", equalTo("job.tags.-bad"));
        array(t.member(), null, 2, body.replace("\"cards\":2", "\"cards\":0")).then().statusCode(400)
                .body("errors[0].field", equalTo("job.cards"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"size\":2}")
                .post("/api/v1/job-arrays").then().statusCode(400).body("errors[0].field", equalTo("job"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().body("items", hasSize(3));
        given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"arrayId\":\"" + first.path("id") + "\"}").post("/api/v1/job-cancellations").then()
                .statusCode(200).body("cancelled", equalTo(3));
    }

    @Test
    void an_array_held_at_submission_is_released_by_its_array() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Response made = array(t.member(), null, 3, job(cluster, t.projectId(), "1", "ON_DEMAND", 600)
                .replace("}", ",\"hold\":true}"));
        made.then().statusCode(201).body("states", equalTo(Map.of("HELD", 3)));
        String arrayId = made.path("id");
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-releases").then().statusCode(200).body("changed", equalTo(3));
        List<String> jobIds = made.path("jobIds");
        for (String id : jobIds) {
            until(t.member(), id, state("RUNNING"));
        }
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200);
    }

    /**
     * Jobs that arrive together and that one cycle could all place (an array, or submissions batched by the group
     * commit) start only within their tenant's card quota: the loop's admission counts a start as the core decides
     * it, not after the cycle.
     */
    @Test
    void jobs_arriving_together_start_only_within_their_tenants_card_quota() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"limit\":2}]}")
                .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        Response made = array(t.member(), null, 4, job(cluster, t.projectId(), "1", "ON_DEMAND", 3600));
        made.then().statusCode(201);
        List<String> ids = made.path("jobIds");
        ids.forEach(id -> emulator.hang(UUID.fromString(id)));
        String arrayId = made.path("id");
        untilCounted(t, arrayId, "RUNNING", 2);
        JobsTest.sleep(1000);
        assertEquals(Map.of("RUNNING", 2, "QUEUED", 2), given().auth().oauth2(t.member())
                .get("/api/v1/job-arrays/" + arrayId).then().extract().jsonPath().getMap("states"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?arrayId=" + arrayId + "&state=QUEUED").then()
                .body("items.reason", equalTo(List.of("QUOTA", "QUOTA")));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200);
    }

    @Test
    void an_array_runs_at_most_its_maxRunning_jobs_at_once() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        // Four one-card jobs on a node of eight: all would fit, two may run.
        Response made = given().auth().oauth2(t.member()).contentType("application/json").body("{\"size\":4,"
                + "\"maxRunning\":2,\"job\":" + job(cluster, t.projectId(), "1", "ON_DEMAND", 3600) + "}")
                .post("/api/v1/job-arrays");
        made.then().statusCode(201).body("maxRunning", equalTo(2));
        List<String> ids = made.path("jobIds");
        ids.forEach(id -> emulator.hang(UUID.fromString(id)));
        String arrayId = made.path("id");
        untilCounted(t, arrayId, "RUNNING", 2);
        JobsTest.sleep(1000);  // cycles pass: still two
        JsonPath now = given().auth().oauth2(t.member()).get("/api/v1/job-arrays/" + arrayId).then().extract()
                .jsonPath();
        assertEquals(Map.of("RUNNING", 2, "QUEUED", 2), now.getMap("states"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?arrayId=" + arrayId + "&state=QUEUED").then()
                .body("items.reason", equalTo(List.of("ARRAY_LIMIT", "ARRAY_LIMIT")));
        // Seven cards idle, yet each waiting job is estimated to start when a slot of the array frees: the running
        // ones' declared ends, one each.
        List<java.time.Instant> ends = given().auth().oauth2(t.member())
                .get("/api/v1/jobs?arrayId=" + arrayId + "&state=RUNNING").then().extract().<List<String>>path(
                        "items.startedAt").stream().map(at -> java.time.Instant.parse(at).plusSeconds(3600)).sorted()
                .toList();
        List<java.time.Instant> estimated = given().auth().oauth2(t.member())
                .get("/api/v1/jobs?arrayId=" + arrayId + "&state=QUEUED").then().extract().<List<String>>path(
                        "items.estimatedStartAt").stream().map(java.time.Instant::parse).sorted().toList();
        assertEquals(ends, estimated);
        // One ends: a third starts.
        String first = given().auth().oauth2(t.member()).get("/api/v1/jobs?arrayId=" + arrayId + "&state=RUNNING")
                .then().extract().path("items[0].id");
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200);
        untilCounted(t, arrayId, "CANCELLED", 1);
        assertEquals(Map.of("RUNNING", 2, "QUEUED", 1, "CANCELLED", 1),
                untilCounted(t, arrayId, "QUEUED", 1).getMap("states"));
        // More than the array's size: 400.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"size\":2,\"maxRunning\":3,"
                + "\"job\":" + job(cluster, t.projectId(), "1", "ON_DEMAND", 60) + "}").post("/api/v1/job-arrays")
                .then().statusCode(400).body("errors[0].field", equalTo("maxRunning"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200);
    }

    @Test
    void an_arrays_maxRunning_is_changed_by_a_merge_patch_and_the_loop_follows() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Response made = given().auth().oauth2(t.member()).contentType("application/json").body("{\"size\":4,"
                + "\"maxRunning\":1,\"job\":" + job(cluster, t.projectId(), "1", "ON_DEMAND", 3600) + "}")
                .post("/api/v1/job-arrays");
        List<String> ids = made.then().statusCode(201).extract().path("jobIds");
        ids.forEach(id -> emulator.hang(UUID.fromString(id)));
        String arrayId = made.path("id");
        untilCounted(t, arrayId, "RUNNING", 1);

        patchArray(t.member(), arrayId, "{\"maxRunning\":3}").then().statusCode(200).body("maxRunning", equalTo(3));
        assertEquals(Map.of("RUNNING", 3, "QUEUED", 1), untilCounted(t, arrayId, "RUNNING", 3).getMap("states"));
        patchArray(t.member(), arrayId, "{\"maxRunning\":null}").then().statusCode(200)
                .body("maxRunning", equalTo(null));
        assertEquals(Map.of("RUNNING", 4), untilCounted(t, arrayId, "RUNNING", 4).getMap("states"));
        // The same again changes nothing and records nothing; bad values, other tenants and viewers are refused.
        patchArray(t.member(), arrayId, "{}").then().statusCode(200).body("maxRunning", equalTo(null));
        patchArray(t.member(), arrayId, "{\"maxRunning\":5}").then().statusCode(400)
                .body("errors[0].field", equalTo("maxRunning"));
        patchArray(t.member(), arrayId, "{\"size\":5}").then().statusCode(400).body("code", equalTo("UNKNOWN_FIELD"));
        patchArray(World.tenant().admin(), arrayId, "{\"maxRunning\":2}").then().statusCode(404)
                .body("code", equalTo("JOB_ARRAY_NOT_FOUND"));
        patchArray(t.viewer(), arrayId, "{\"maxRunning\":2}").then().statusCode(403);
        JsonPath audit = given().auth().oauth2(t.admin()).queryParam("action", "updateJobArray")
                .get("/api/v1/tenants/" + t.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(arrayId, arrayId), audit.getList("items.target.id"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"arrayId\":\"" + arrayId + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200);
    }

    private static Response patchArray(String token, String arrayId, String body) {
        return given().auth().oauth2(token).contentType("application/merge-patch+json").body(body)
                .patch("/api/v1/job-arrays/" + arrayId);
    }

    /**
     * Behind a queue deeper than a busy cycle looks at (150 jobs), a job whose notBefore is still to come is told it
     * waits for that, not for cards: the loop's reason for a job its scan did not reach. Without the rule it read
     * CAPACITY (found with a 1,000-job array in the dev start).
     */
    @Test
    void a_job_deep_in_a_busy_queue_waiting_for_its_notBefore_is_told_so() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36000));
        emulator.hang(UUID.fromString(blocker));
        until(t.member(), blocker, state("RUNNING"));
        Response deep = array(t.member(), null, 300, job(cluster, t.projectId(), "1", "ON_DEMAND", 600));
        deep.then().statusCode(201);
        String later = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 600).replace("}",
                ",\"notBefore\":\"" + java.time.Instant.now().plusSeconds(7200) + "\"}"));
        // Cycles pass (the loop runs several a second, each saying why every waiting job waits).
        JobsTest.sleep(1500);
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + later).then().body("state", equalTo("QUEUED"))
                .body("reason", equalTo("NOT_BEFORE"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"clusterId\":\"" + cluster + "\"}")
                .post("/api/v1/job-cancellations").then().statusCode(200);
    }

    /** Polls the array until {@code count} of its jobs are in {@code state} (at most 30 s). */
    private static JsonPath untilCounted(World.Tenant t, String arrayId, String state, int count) {
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(30);
        while (true) {
            JsonPath a = given().auth().oauth2(t.member()).get("/api/v1/job-arrays/" + arrayId).then().statusCode(200)
                    .extract().jsonPath();
            Object n = a.getMap("states").get(state);
            if ((n != null && ((Number) n).intValue() == count) || java.time.Instant.now().isAfter(deadline)) {
                return a;
            }
            JobsTest.sleep(100);
        }
    }

    private static Response array(String token, String key, int size, String job) {
        var request = given().auth().oauth2(token).contentType("application/json");
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.body("{\"size\":" + size + ",\"job\":" + job + "}").post("/api/v1/job-arrays");
    }
}
