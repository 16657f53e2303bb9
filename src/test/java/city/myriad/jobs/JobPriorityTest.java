package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
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
 * A job's priority among its tenant's own jobs (createJob and updateJob's {@code priority}, as Slurm's nice or
 * {@code scontrol top} within an account): it orders the tenant's jobs, never another tenant's, in the queue the
 * views show and in the order the scheduling loop starts them.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobPriorityTest {

    @Inject
    ClusterEmulator emulator;

    @Test
    void a_tenants_urgent_job_goes_ahead_of_its_own_smaller_jobs_and_of_no_other_tenants() {
        String cluster = World.cluster(1);
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        String blocker = running(a, cluster, "ON_DEMAND").getString("id");

        // Without priorities the small job (4 cards x 600 s) would go first; the urgent one (8 x 3,600 s) is larger.
        String small = submitted(a.member(), job(cluster, a.projectId(), "4", "ON_DEMAND", 600));
        String urgent = submitted(a.member(), withPriority(job(cluster, a.projectId(), "8", "ON_DEMAND", 3600), 10));
        String others = submitted(b.member(), job(cluster, b.projectId(), "2", "ON_DEMAND", 3600));
        emulator.hang(UUID.fromString(urgent));
        for (String[] id : List.of(new String[] {a.member(), small}, new String[] {a.member(), urgent},
                new String[] {b.member(), others})) {
            until(id[0], id[1], j -> "CAPACITY".equals(j.getString("reason")));
        }
        // The other tenant's job (2 x 3,600 s) is smaller than the urgent one: it stays ahead of it; tenant a's small
        // job waits behind its urgent one, so behind the other tenant's job too.
        assertEquals(Map.of(others, 1, urgent, 2, small, 3), positions(Map.of(others, b.member(), urgent, a.member(),
                small, a.member())));
        given().auth().oauth2(a.member()).get("/api/v1/jobs/" + urgent).then().body("priority", equalTo(10));
        given().auth().oauth2(a.member()).get("/api/v1/jobs?state=QUEUED&order=newest").then().statusCode(200)
                .body("items.priority", equalTo(List.of(10, 0)));

        // Raised above the urgent one, the small job leads its tenant's queue, and then it is the smallest of all.
        patch(a.member(), small, "{\"priority\":20}").then().statusCode(200).body("priority", equalTo(20));
        assertEquals(Map.of(small, 1, others, 2, urgent, 3), positions(Map.of(others, b.member(), urgent, a.member(),
                small, a.member())));
        // null puts it back to 0; the audit says each change.
        patch(a.member(), small, "{\"priority\":null}").then().statusCode(200).body("priority", equalTo(0));
        JsonPath audit = given().auth().oauth2(a.admin()).queryParam("action", "updateJob")
                .get("/api/v1/tenants/" + a.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertEquals(20, audit.getInt("items[0].details.priority.from"));
        assertEquals(0, audit.getInt("items[0].details.priority.to"));

        // Out of range or not a number: 400 naming it, nothing queued or changed.
        patch(a.member(), small, "{\"priority\":101}").then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors[0].field", equalTo("priority"));
        patch(a.member(), small, "{\"priority\":\"high\"}").then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD_TYPE")).body("errors[0].field", equalTo("priority"));
        submit(a.member(), withPriority(job(cluster, a.projectId(), "1", "ON_DEMAND", 60), -101)).then()
                .statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("priority"));
        given().auth().oauth2(a.member()).get("/api/v1/jobs?state=QUEUED").then().body("items.id",
                equalTo(List.of(small, urgent)));

        // The cards come free (the other tenant's job gone): the loop starts the urgent job first, and the small one
        // waits for it although it would fit.
        given().auth().oauth2(b.member()).post("/api/v1/jobs/" + others + "/cancel").then().statusCode(200);
        given().auth().oauth2(a.member()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        until(a.member(), urgent, state("RUNNING"));
        JobsTest.sleep(1000);
        given().auth().oauth2(a.member()).get("/api/v1/jobs/" + small).then().body("state", equalTo("QUEUED"))
                .body("reason", equalTo("CAPACITY"));
        // A running job's priority cannot change; nor can another tenant's job's.
        patch(a.member(), urgent, "{\"priority\":0}").then().statusCode(409).body("code", equalTo("JOB_NOT_UPDATABLE"));
        patch(b.member(), small, "{\"priority\":100}").then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(a.member()).post("/api/v1/jobs/" + urgent + "/cancel").then().statusCode(200);
        until(a.member(), small, state("RUNNING"));
    }

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /**
     * A page of a tenant's queued jobs is estimated furthest back first in the tenant's own order (lowest priority,
     * then largest size), so one plan answers the page even when priorities reverse the order of sizes.
     */
    @Test
    void a_page_of_prioritised_queued_jobs_is_estimated_from_one_plan() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        java.time.Instant frees = java.time.Instant.parse(running(t, cluster, "ON_DEMAND").getString("startedAt"))
                .plusSeconds(36000);
        String small = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 600));
        String urgent = submitted(t.member(), withPriority(job(cluster, t.projectId(), "8", "ON_DEMAND", 1800), 5));
        for (String id : List.of(small, urgent)) {
            until(t.member(), id, j -> "CAPACITY".equals(j.getString("reason")));
        }
        String extra = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 60));  // forgets plans
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + extra + "/cancel").then().statusCode(200);
        double planned = estimates("planned");
        double reused = estimates("reused");
        JsonPath page = given().auth().oauth2(t.member()).get("/api/v1/jobs?clusterId=" + cluster + "&state=QUEUED")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(small, urgent), page.getList("items.id"));
        assertEquals(List.of(2, 1), page.getList("items.queuePosition"));
        assertEquals(List.of(frees.plusSeconds(1800), frees), page.getList("items.estimatedStartAt", String.class)
                .stream().map(java.time.Instant::parse).toList());
        assertEquals(1, estimates("planned") - planned, "one plan, for the small job: last in the tenant's order");
        assertEquals(1, estimates("reused") - reused, "the urgent job answered from it");
        for (String id : List.of(small, urgent)) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    private double estimates(String how) {
        return meters.counter("myriad.jobs.start.estimates", "how", how).count();
    }

    @Test
    void a_job_requeued_after_a_run_takes_a_new_priority_and_nothing_else() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        JsonPath started = running(t, cluster, "SPOT");
        String spot = started.getString("id");
        String node = started.getString("placement[0].node");
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"down-" + node + "\",\"type\":\"NODE_DOWN\",\"node\":\"" + node
                        + "\"}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200);
        until(t.member(), spot, j -> "QUEUED".equals(j.getString("state")) && j.getInt("attempt") == 1);

        patch(t.member(), spot, "{\"priority\":50}").then().statusCode(200).body("priority", equalTo(50))
                .body("state", equalTo("QUEUED")).body("attempt", equalTo(1));
        patch(t.member(), spot, "{\"priority\":60,\"name\":\"renamed\"}").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_UPDATABLE"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + spot).then().body("priority", equalTo(50))
                .body("name", equalTo(null));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
    }

    @Test
    void a_quote_for_a_job_of_a_priority_counts_the_tenants_own_queue_as_that_job_would_meet_it() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        JsonPath blocker = running(t, cluster, "ON_DEMAND");
        java.time.Instant frees = java.time.Instant.parse(blocker.getString("startedAt")).plusSeconds(36000);
        String queued = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600));
        until(t.member(), queued, j -> "CAPACITY".equals(j.getString("reason")));

        // A larger job (8 cards x 7,200 s) of priority 0 waits behind the queued one; of priority 1 it goes first.
        assertEquals(frees.plusSeconds(3600), java.time.Instant.parse(quoted(t.member(), cluster, null).getString("earliestStartAt")));
        Response first = quote(t.member(), cluster, "1");
        first.then().statusCode(201).body("priority", equalTo(1));
        assertEquals(frees, java.time.Instant.parse(first.jsonPath().getString("earliestStartAt")));
        // Another tenant's priority does not pass that job.
        assertEquals(frees.plusSeconds(3600), java.time.Instant.parse(quoted(other.member(), cluster, "100")
                .getString("earliestStartAt")));
        // Not for a reservation; out of range 400.
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"clusterId\":\"" + cluster
                        + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"startAt\":\""
                        + frees.plusSeconds(7200) + "\",\"endAt\":\"" + frees.plusSeconds(14400) + "\",\"priority\":1}")
                .post("/api/v1/quotes").then().statusCode(400).body("errors[0].field", equalTo("priority"));
        quote(t.member(), cluster, "101").then().statusCode(400).body("errors[0].field", equalTo("priority"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + queued + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + blocker.getString("id") + "/cancel").then()
                .statusCode(200);
    }

    private static Response quote(String token, String cluster, String priority) {
        return given().auth().oauth2(token).contentType("application/json").body("{\"clusterId\":\"" + cluster
                + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":7200"
                + (priority == null ? "" : ",\"priority\":" + priority) + "}").post("/api/v1/quotes");
    }

    private static JsonPath quoted(String token, String cluster, String priority) {
        return quote(token, cluster, priority).then().statusCode(201).extract().jsonPath();
    }

    /** A job of 8 cards of the tenant's, running until it is stopped: its view. */
    private JsonPath running(World.Tenant t, String cluster, String jobClass) {
        String id = submitted(t.member(), job(cluster, t.projectId(), "8", jobClass, 36000));
        emulator.hang(UUID.fromString(id));
        return until(t.member(), id, state("RUNNING"));
    }

    private static String withPriority(String body, int priority) {
        return body.substring(0, body.lastIndexOf('}')) + ",\"priority\":" + priority + "}";
    }

    /** Each job's queuePosition, read with its tenant's token. */
    private static Map<String, Integer> positions(Map<String, String> tokens) {
        Map<String, Integer> out = new java.util.HashMap<>();
        tokens.forEach((id, token) -> out.put(id, given().auth().oauth2(token).get("/api/v1/jobs/" + id).then()
                .statusCode(200).body("state", equalTo("QUEUED")).extract().jsonPath().getInt("queuePosition")));
        return out;
    }

    private static Response patch(String token, String job, String body) {
        return given().auth().oauth2(token).contentType("application/merge-patch+json").body(body)
                .patch("/api/v1/jobs/" + job);
    }
}
