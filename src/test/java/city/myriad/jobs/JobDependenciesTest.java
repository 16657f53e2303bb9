package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.service.ClusterEmulator;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Jobs that wait for other jobs (createJob's {@code dependsOn}, Slurm's {@code --dependency}) through the HTTP API,
 * with the scheduling loop and the cluster emulator; a job that must keep running until the test ends it is hung
 * (its agent never reports an end) and ended by an agent event, as a real agent would report it.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobDependenciesTest {

    @Inject
    ClusterEmulator emulator;

    @Test
    void a_pipeline_runs_step_after_step_and_each_waits_from_the_end_it_waited_for() {
        String cluster = World.cluster(1);
        String elsewhere = World.cluster(1);
        World.Tenant t = World.tenant();
        String first = running(t, cluster);
        String second = step(t, cluster, dependency(first, null));
        JsonPath waiting = view(t, second);
        assertEquals("HELD", waiting.getString("state"));
        assertEquals("DEPENDENCY", waiting.getString("reason"));
        assertEquals(List.of("QUEUED", "HELD"), waiting.getList("history.to"));
        assertEquals(List.of(first), waiting.getList("dependsOn.jobId"));
        assertEquals(List.of("SUCCEEDED"), waiting.getList("dependsOn.condition"));
        assertEquals(List.of("PENDING"), waiting.getList("dependsOn.status"));
        // The third step runs on another cluster, after the second succeeds and once the first has ended at all.
        String third = step(t, elsewhere, dependency(second, "SUCCEEDED") + "," + dependency(first, "ENDED"));
        // Only if the first fails: never, here.
        String onFailure = step(t, cluster, dependency(first, "NOT_SUCCEEDED"));
        // Nothing that waits starts while the first runs, though the node has 7 cards free.
        JobsTest.sleep(1000);
        for (String j : List.of(second, third, onFailure)) {
            assertEquals("HELD", view(t, j).getString("state"), j);
        }
        // The listing leaves the dependencies out, as it does the history.
        given().auth().oauth2(t.member()).get("/api/v1/jobs?state=HELD").then().statusCode(200)
                .body("items", hasSize(3)).body("items[0].dependsOn", equalTo(null));
        // A job's dependents, found by the list (a pipeline's next steps); the second's are the third alone.
        given().auth().oauth2(t.member()).get("/api/v1/jobs?dependsOn=" + first).then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.contains(second, third, onFailure));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?dependsOn=" + second + "&state=HELD").then()
                .statusCode(200).body("items.id", org.hamcrest.Matchers.contains(third));
        given().auth().oauth2(World.tenant().admin()).get("/api/v1/jobs?dependsOn=" + first).then().statusCode(200)
                .body("items", hasSize(0));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?dependsOn=nope").then().statusCode(400)
                .body("code", equalTo("INVALID_ID")).body("errors[0].field", equalTo("dependsOn"));

        end(cluster, first, "JOB_SUCCEEDED");
        JsonPath firstDone = until(t.member(), first, state("SUCCEEDED"));
        Instant firstEnded = Instant.parse(firstDone.getString("endedAt"));

        JsonPath secondDone = until(t.member(), second, state("SUCCEEDED"));
        assertEquals(List.of("QUEUED", "HELD", "QUEUED", "RUNNING", "SUCCEEDED"), secondDone.getList("history.to"));
        assertEquals("DEPENDENCY_SATISFIED", secondDone.getString("history[2].reason"));
        assertEquals(List.of("SATISFIED"), secondDone.getList("dependsOn.status"));
        // Its wait counts from the end it waited for, not from its submission.
        assertFalse(Instant.parse(secondDone.getString("eligibleAt")).isBefore(firstEnded), secondDone.prettify());
        assertFalse(Instant.parse(secondDone.getString("startedAt")).isBefore(firstEnded), secondDone.prettify());

        JsonPath thirdDone = until(t.member(), third, state("SUCCEEDED"));
        assertFalse(Instant.parse(thirdDone.getString("startedAt")).isBefore(
                Instant.parse(secondDone.getString("endedAt"))), thirdDone.prettify());
        assertEquals(List.of("SATISFIED", "SATISFIED"), thirdDone.getList("dependsOn.status"));

        JsonPath never = until(t.member(), onFailure, state("CANCELLED"));
        assertEquals("DEPENDENCY_NEVER_SATISFIED", never.getString("reason"));
        assertEquals(List.of("QUEUED", "HELD", "CANCELLED"), never.getList("history.to"));
        assertEquals(List.of("NEVER_SATISFIED"), never.getList("dependsOn.status"));
        assertEquals(0, never.getLong("cost.amountMinor"), "it never ran");
    }

    @Test
    void a_dependency_never_to_be_met_cancels_the_job_and_the_jobs_that_wait_for_it() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String first = running(t, cluster);
        String second = step(t, cluster, dependency(first, null));
        String third = step(t, cluster, dependency(second, null));
        String cleanUp = step(t, cluster, dependency(second, "NOT_SUCCEEDED"));
        String report = step(t, cluster, dependency(third, "ENDED"));

        // The first is cancelled: the second can never run, nor the third after it; the clean-up and the report run.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + first + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
        for (String j : List.of(second, third)) {
            JsonPath cancelled = view(t, j);
            assertEquals("CANCELLED", cancelled.getString("state"), "in the cancel's own transaction: " + j);
            assertEquals("DEPENDENCY_NEVER_SATISFIED", cancelled.getString("reason"));
        }
        for (String j : List.of(cleanUp, report)) {
            JsonPath ran = until(t.member(), j, state("SUCCEEDED"));
            assertEquals("DEPENDENCY_SATISFIED", ran.getString("history[2].reason"), ran.prettify());
        }

        // A job that asks for an end its dependency can no longer have is refused, and nothing is queued.
        submit(t.member(), after(job(cluster, t.projectId(), "1", "ON_DEMAND", 60), dependency(first, null)))
                .then().statusCode(409).body("code", equalTo("JOB_DEPENDENCY_NEVER_SATISFIED"));
        // One whose dependency is already met is QUEUED at once, never HELD.
        String met = step(t, cluster, dependency(first, "NOT_SUCCEEDED"));
        JsonPath ran = until(t.member(), met, state("SUCCEEDED"));
        assertEquals(List.of("QUEUED", "RUNNING", "SUCCEEDED"), ran.getList("history.to"));
        assertEquals(List.of("SATISFIED"), ran.getList("dependsOn.status"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(6));
    }

    @Test
    void a_failed_run_meets_not_succeeded_and_never_succeeded() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String first = running(t, cluster);
        String onSuccess = step(t, cluster, dependency(first, "SUCCEEDED"));
        String onFailure = step(t, cluster, dependency(first, "NOT_SUCCEEDED"));
        end(cluster, first, "JOB_FAILED");
        assertEquals("FAILED", until(t.member(), first, state("FAILED")).getString("state"));
        assertEquals("DEPENDENCY_NEVER_SATISFIED", until(t.member(), onSuccess, state("CANCELLED"))
                .getString("reason"));
        until(t.member(), onFailure, state("SUCCEEDED"));
    }

    /** Holding a project's work in bulk holds the steps that wait for their dependencies too, after the queued ones. */
    @Test
    void hold_jobs_holds_the_queued_jobs_then_those_waiting_for_their_dependencies() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String first = running(t, cluster);
        String waits = step(t, cluster, dependency(first, null));
        String queued = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 60));
        JsonPath held = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"projectId\":\"" + t.projectId() + "\"}").post("/api/v1/job-holds").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(2, held.getInt("changed"), held.prettify());
        assertEquals(List.of(queued, waits), held.getList("jobIds"), "the queued first, then the waiting");
        assertEquals(false, held.getBoolean("more"));
        for (String j : List.of(queued, waits)) {
            assertEquals("HELD_BY_TENANT", view(t, j).getString("reason"), j);
        }
        given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"projectId\":\"" + t.projectId() + "\"}").post("/api/v1/job-holds").then().statusCode(200)
                .body("changed", equalTo(0));
        // What it waited for ends: the tenant's hold keeps it out of the queue, as a single hold would.
        end(cluster, first, "JOB_SUCCEEDED");
        until(t.member(), first, state("SUCCEEDED"));
        JobsTest.sleep(1000);
        JsonPath still = view(t, waits);
        assertEquals("HELD", still.getString("state"), still.prettify());
        assertEquals("HELD_BY_TENANT", still.getString("reason"));
        assertEquals(List.of("SATISFIED"), still.getList("dependsOn.status"));
        JsonPath trail = given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/audit-events").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(2, trail.getList("items.findAll { it.action == 'holdJobs' }").size(), trail.prettify());
        for (String j : List.of(queued, waits)) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_tenant_hold_and_the_dependencies_each_keep_the_job_until_both_are_lifted() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String first = running(t, cluster);
        String waits = step(t, cluster, dependency(first, null));
        String path = "/api/v1/jobs/" + waits;
        // Released while it waits for its dependency: nothing of the tenant's to release, answered as it is.
        given().auth().oauth2(t.member()).post(path + "/release").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("DEPENDENCY"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"jobIds\":[\"" + waits + "\"]}")
                .post("/api/v1/job-releases").then().statusCode(200).body("changed", equalTo(0));
        // Held by its tenant as well, then released: it still waits for the first.
        given().auth().oauth2(t.member()).post(path + "/hold").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_TENANT"));
        given().auth().oauth2(t.member()).post(path + "/release").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("DEPENDENCY"));
        given().auth().oauth2(t.member()).post(path + "/hold").then().statusCode(200)
                .body("reason", equalTo("HELD_BY_TENANT"));
        // Submitted held and with a dependency: the tenant's hold shows.
        String heldToo = submitted(t.member(), after(job(cluster, t.projectId(), "1", "ON_DEMAND", 60)
                .replace("}", ",\"hold\":true}"), dependency(first, null)));
        assertEquals("HELD_BY_TENANT", view(t, heldToo).getString("reason"));

        end(cluster, first, "JOB_SUCCEEDED");
        until(t.member(), first, state("SUCCEEDED"));
        JobsTest.sleep(1000);
        for (String j : List.of(waits, heldToo)) {
            JsonPath held = view(t, j);
            assertEquals("HELD", held.getString("state"), "its dependency met, the tenant's hold keeps it: " + j);
            assertEquals(List.of("SATISFIED"), held.getList("dependsOn.status"));
        }
        given().auth().oauth2(t.member()).post(path + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED"));
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"jobIds\":[\"" + heldToo + "\"]}")
                .post("/api/v1/job-releases").then().statusCode(200).body("changed", equalTo(1));
        JsonPath ran = until(t.member(), waits, state("SUCCEEDED"));
        // Every change of why it waited is in its history: HELD → HELD with the new reason.
        assertEquals(List.of("QUEUED", "HELD", "HELD", "HELD", "HELD", "QUEUED", "RUNNING", "SUCCEEDED"),
                ran.getList("history.to"), ran.prettify());
        assertEquals(List.of("SUBMITTED", "DEPENDENCY", "HELD_BY_TENANT", "DEPENDENCY", "HELD_BY_TENANT", "RELEASED"),
                ran.getList("history.reason").subList(0, 6), ran.prettify());
        until(t.member(), heldToo, state("SUCCEEDED"));
    }

    @Test
    void dependencies_name_the_tenants_own_jobs_once_and_bad_ones_are_refused_with_nothing_queued() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        String theirs = submitted(other.member(), job(cluster, other.projectId(), "1", "ON_DEMAND", 36000));
        String mine = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 36000));
        String body = job(cluster, t.projectId(), "1", "ON_DEMAND", 60);

        // Another tenant's job is no job of this tenant: the same answer as an id of no job at all.
        for (String id : List.of(theirs, UUID.randomUUID().toString())) {
            submit(t.member(), after(body, dependency(mine, null) + "," + dependency(id, null))).then()
                    .statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                    .body("errors[0].field", equalTo("dependsOn[1].jobId"));
        }
        submit(t.member(), after(body, dependency(mine, null) + "," + dependency(mine, "ENDED"))).then()
                .statusCode(400).body("errors[0].field", equalTo("dependsOn[1].jobId"));
        submit(t.member(), after(body, dependency(mine, "LATER"))).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", startsWith("dependsOn"));
        submit(t.member(), after(body, "{\"condition\":\"ENDED\"}")).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", startsWith("dependsOn"));
        String tooMany = IntStream.range(0, 101).mapToObj(i -> dependency(UUID.randomUUID().toString(), null))
                .collect(Collectors.joining(","));
        submit(t.member(), after(body, tooMany)).then().statusCode(400)
                .body("errors[0].field", startsWith("dependsOn"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs").then().statusCode(200).body("items", hasSize(1));

        // A retried submission with its Idempotency-Key answers the first job, its dependency written once.
        String key = UUID.randomUUID().toString();
        String once = given().auth().oauth2(t.member()).header("Idempotency-Key", key).contentType("application/json")
                .body(after(body, dependency(mine, null))).post("/api/v1/jobs").then().statusCode(201)
                .body("state", equalTo("HELD")).extract().path("id");
        given().auth().oauth2(t.member()).header("Idempotency-Key", key).contentType("application/json")
                .body(after(body, dependency(mine, null))).post("/api/v1/jobs").then().statusCode(201)
                .body("id", equalTo(once));
        assertEquals(List.of(mine), view(t, once).getList("dependsOn.jobId"));
        // The other tenant sees none of it.
        given().auth().oauth2(other.member()).get("/api/v1/jobs/" + once).then().statusCode(404);

        for (String j : List.of(theirs, mine)) {
            World.Tenant owner = j.equals(theirs) ? other : t;
            given().auth().oauth2(owner.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
        assertTrue(view(t, once).getString("state").equals("CANCELLED"), "its dependency was cancelled");
    }

    /**
     * A submission racing the end of the job it depends on: either the end finds the dependency written (the
     * submission commits first; the end waits for the row it share-locked) or the submission reads the end; no
     * dependent is left HELD for a job that has ended as it asked.
     */
    @Test
    void a_dependency_submitted_while_its_job_ends_is_never_left_waiting() throws Exception {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<String> dependents = new java.util.ArrayList<>();
            for (int round = 0; round < 12; round++) {
                String first = running(t, cluster);
                String body = after(job(cluster, t.projectId(), "1", "ON_DEMAND", 60), dependency(first, null));
                java.util.concurrent.Future<String> submitted = pool.submit(() -> submitted(t.member(), body));
                java.util.concurrent.Future<?> ended = pool.submit(() -> end(cluster, first, "JOB_SUCCEEDED"));
                ended.get();
                dependents.add(submitted.get());
            }
            for (String j : dependents) {
                JsonPath ran = until(t.member(), j, state("SUCCEEDED"));
                assertEquals(List.of("SATISFIED"), ran.getList("dependsOn.status"), ran.prettify());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A patch of a job's dependencies racing the end of the job it names (updateJob): as a submission, either the end
     * finds the dependency written or the patch reads the end; the job, kept from starting by a notBefore an hour
     * away, is never left HELD for a job that has ended as it asked.
     */
    @Test
    void a_dependency_patched_in_while_its_job_ends_is_never_left_waiting() throws Exception {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String later = Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<String> patched = new java.util.ArrayList<>();
            for (int round = 0; round < 12; round++) {
                String first = running(t, cluster);
                String waiting = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60)
                        .replace("}", ",\"notBefore\":\"" + later + "\"}"));
                java.util.concurrent.Future<?> patch = pool.submit(() -> given().auth().oauth2(t.member())
                        .contentType("application/merge-patch+json").body("{\"dependsOn\":[" + dependency(first, null)
                                + "]}").patch("/api/v1/jobs/" + waiting).then().statusCode(200));
                java.util.concurrent.Future<?> ended = pool.submit(() -> end(cluster, first, "JOB_SUCCEEDED"));
                ended.get();
                patch.get();
                patched.add(waiting);
            }
            for (String j : patched) {
                JsonPath queued = until(t.member(), j, state("QUEUED"));
                assertEquals(List.of("SATISFIED"), queued.getList("dependsOn.status"), queued.prettify());
                given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A job of one card that runs until the test ends it (its agent never reports an end by itself). */
    private String running(World.Tenant t, String cluster) {
        String id = submitted(t.member(), job(cluster, t.projectId(), "1", "ON_DEMAND", 36000));
        emulator.hang(UUID.fromString(id));
        until(t.member(), id, state("RUNNING"));
        return id;
    }

    /** The cluster's agent reports the job's first run ended ({@code JOB_SUCCEEDED} or {@code JOB_FAILED}). */
    private static void end(String cluster, String job, String type) {
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"events\":[{\"eventId\":\"end-" + UUID.randomUUID() + "\",\"type\":\"" + type
                        + "\",\"jobId\":\"" + job + "\",\"attempt\":1}]}")
                .post("/api/v1/clusters/" + cluster + "/events").then().statusCode(200)
                .body("results[0].outcome", equalTo("APPLIED"));
    }

    /** A one-card job of 60 s (0.1 s in the emulator) that depends on {@code dependencies}, submitted by the member. */
    private static String step(World.Tenant t, String cluster, String dependencies) {
        return submitted(t.member(), after(job(cluster, t.projectId(), "1", "ON_DEMAND", 60), dependencies));
    }

    private static String after(String body, String dependencies) {
        return body.substring(0, body.length() - 1) + ",\"dependsOn\":[" + dependencies + "]}";
    }

    private static String dependency(String job, String condition) {
        return "{\"jobId\":\"" + job + "\"" + (condition == null ? "" : ",\"condition\":\"" + condition + "\"") + "}";
    }

    private static JsonPath view(World.Tenant t, String job) {
        return given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().statusCode(200).extract()
                .jsonPath();
    }
}
