package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.service.ClusterEmulator;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Changing a job before it starts ({@code updateJob}, a JSON merge patch, as Slurm's {@code scontrol update} of a
 * pending job): its name, tags and notBefore, through the HTTP API with the scheduling loop running.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobUpdatesTest {

    @Inject
    ClusterEmulator emulator;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Inject
    city.myriad.jobs.repository.LoopStatements statements;

    @Test
    void a_queued_job_is_renamed_and_retagged_by_a_merge_patch_and_found_by_its_new_labels() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = hung(t, cluster, "8");
        String queued = submitted(t.member(), job(cluster, t.projectId(), "8", "ON_DEMAND", 3600).replace("}",
                ",\"name\":\"llama-ft-3\",\"tags\":{\"team\":\"vision\",\"note\":\"x\"}}"));
        until(t.member(), queued, j -> "CAPACITY".equals(j.getString("reason")));

        // Merged key by key: one set, one removed, one added; the name replaced.
        patch(t.member(), queued, "{\"name\":\"llama-ft-3 retry\",\"tags\":{\"team\":\"nlp\",\"note\":null,"
                + "\"experiment\":\"e1\"}}").then().statusCode(200).body("state", equalTo("QUEUED"))
                .body("name", equalTo("llama-ft-3 retry"))
                .body("tags", equalTo(Map.of("team", "nlp", "experiment", "e1")));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?tag=team=nlp").then().statusCode(200)
                .body("items.id", contains(queued)).body("items[0].name", equalTo("llama-ft-3 retry"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?tag=team=vision").then().statusCode(200)
                .body("items", hasSize(0));
        // The same patch again (a retry) and an empty one change nothing and record nothing more.
        patch(t.member(), queued, "{\"name\":\"llama-ft-3 retry\",\"tags\":{\"team\":\"nlp\",\"note\":null}}").then()
                .statusCode(200).body("tags", equalTo(Map.of("team", "nlp", "experiment", "e1")));
        given().auth().oauth2(t.member()).contentType("application/json").body("{}").patch("/api/v1/jobs/" + queued)
                .then().statusCode(200).body("name", equalTo("llama-ft-3 retry"));
        JsonPath audit = given().auth().oauth2(t.admin()).queryParam("action", "updateJob")
                .get("/api/v1/tenants/" + t.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(queued), audit.getList("items.target.id"));
        assertEquals("llama-ft-3", audit.getString("items[0].details.name.from"));
        assertEquals(Map.of("team", "nlp", "experiment", "e1"), audit.getMap("items[0].details.tags.to"));

        // Refused with the field named, the job unchanged: blank name, a broken tag, too many tags, too far a
        // notBefore, a field that cannot change, a body that is not an object.
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 19; i++) {
            many.append(",\"k").append(i).append("\":\"v\"");
        }
        for (String[] wrong : List.of(new String[] {"{\"name\":\"  \"}", "name"},
                new String[] {"{\"tags\":{\"-team\":\"x\"}}", "tags.-team"},
                new String[] {"{\"tags\":{\"myriad/project\":\"x\"}}", "tags.myriad/project"},
                new String[] {"{\"tags\":{\"a\":\"b\"" + many + "}}", "tags"},
                new String[] {"{\"notBefore\":\"" + Instant.now().plus(Duration.ofDays(40)) + "\"}", "notBefore"})) {
            patch(t.member(), queued, wrong[0]).then().statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo(wrong[1]));
        }
        patch(t.member(), queued, "{\"cards\":2}").then().statusCode(400).body("code", equalTo("UNKNOWN_FIELD"));
        patch(t.member(), queued, "[]").then().statusCode(400).body("code", equalTo("INVALID_FIELD_TYPE"));
        patch(t.member(), queued, "{\"tags\":[\"x\"]}").then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD_TYPE")).body("errors[0].field", equalTo("tags"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + queued).then().statusCode(200)
                .body("name", equalTo("llama-ft-3 retry")).body("tags", equalTo(Map.of("team", "nlp", "experiment",
                        "e1"))).body("cards", equalTo(8));

        // Cleared: a field given null.
        patch(t.member(), queued, "{\"name\":null,\"tags\":null}").then().statusCode(200)
                .body("name", nullValue()).body("tags", equalTo(Map.of()));

        // Another tenant does not see it; a viewer may not change it; a running job cannot change.
        World.Tenant other = World.tenant();
        patch(other.admin(), queued, "{\"name\":\"mine\"}").then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FOUND"));
        patch(t.viewer(), queued, "{\"name\":\"mine\"}").then().statusCode(403);
        patch(t.member(), blocker, "{\"name\":\"late\"}").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_UPDATABLE"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        until(t.member(), queued, state("RUNNING"));
        patch(t.member(), queued, "{\"tags\":{\"team\":\"late\"}}").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_UPDATABLE"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + queued).then().body("tags", equalTo(Map.of()));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + queued + "/cancel").then().statusCode(200);
        patch(t.member(), queued, "{\"name\":\"ended\"}").then().statusCode(409)
                .body("code", equalTo("JOB_NOT_UPDATABLE"));
    }

    @Test
    void a_notBefore_moved_later_holds_a_queued_job_back_and_cleared_lets_it_start_waiting_from_now() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = hung(t, cluster, "8");
        String job = submitted(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        JsonPath waiting = until(t.member(), job, j -> "CAPACITY".equals(j.getString("reason")));
        Instant submittedAt = Instant.parse(waiting.getString("eligibleAt"));

        Instant later = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        patch(t.member(), job, "{\"notBefore\":\"" + later + "\"}").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"))
                .body("eligibleAt", equalTo(later.toString()));
        // The cards come free: it waits for its notBefore, and the loop tells why.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        until(t.member(), blocker, state("CANCELLED"));
        JobsTest.sleep(1000);
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"));

        // A time past: as soon as it can, its wait counted from now (not from its submission: no ageing by patch).
        Instant before = Instant.now();
        JsonPath cleared = patch(t.member(), job, "{\"notBefore\":\"2020-01-01T00:00:00Z\"}").then().statusCode(200)
                .extract().jsonPath();
        Instant eligible = Instant.parse(cleared.getString("eligibleAt"));
        assertFalse(eligible.isBefore(before.truncatedTo(ChronoUnit.MILLIS)), cleared.prettify());
        assertTrue(eligible.isAfter(submittedAt), cleared.prettify());
        JsonPath ran = until(t.member(), job, state("RUNNING"));
        assertEquals(List.of("QUEUED", "RUNNING"), ran.getList("history.to"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
    }

    /**
     * The loop's start of a job holds only if the job is still eligible from the time the loop decided on: a patch
     * that moves its notBefore between the decision and the write wins. The start statement is run in a transaction
     * rolled back at the end, once with the job as the loop saw it before the patch and once as it is after.
     */
    @Test
    void a_start_decided_before_a_patch_moved_the_jobs_notBefore_is_not_written() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        hung(t, cluster, "8");
        String job = submitted(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        JsonPath seen = until(t.member(), job, j -> "CAPACITY".equals(j.getString("reason")));
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        patch(t.member(), job, "{\"notBefore\":\"" + later + "\"}").then().statusCode(200);
        java.util.function.Function<String, String> batch = eligible -> "[{\"id\":\"" + job + "\",\"attempt\":0,"
                + "\"placement\":\"[]\",\"borrowed\":false,\"eligibleAt\":\"" + eligible + "\"}]";
        java.util.concurrent.atomic.AtomicReference<List<List<UUID>>> started =
                new java.util.concurrent.atomic.AtomicReference<>();
        Instant now = Instant.now();
        try {
            pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                    .chain(() -> statements.startAll(c, batch.apply(seen.getString("eligibleAt")), now))
                    .chain(stale -> statements.startAll(c, batch.apply(later.toString()), now)
                            .map(fresh -> List.of(stale, fresh)))
                    .invoke(started::set)
                    .chain(both -> io.smallrye.mutiny.Uni.createFrom().failure(new IllegalStateException("rollback"))))
                    .await().indefinitely();
        } catch (IllegalStateException rolledBack) {
            assertEquals("rollback", rolledBack.getMessage());
        }
        assertEquals(List.of(List.of(), List.of(UUID.fromString(job))), started.get(),
                "not started as the loop saw it before the patch; started as it is now (then rolled back)");
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"));
    }

    @Test
    void a_held_job_takes_a_notBefore_that_its_release_keeps() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String job = submit(t.member(), job(cluster, t.projectId(), "1", "SPOT", 600).replace("}",
                ",\"hold\":true}")).then().statusCode(201).body("state", equalTo("HELD")).extract().path("id");
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        patch(t.admin(), job, "{\"notBefore\":\"" + later + "\"}").then().statusCode(200)
                .body("state", equalTo("HELD")).body("reason", equalTo("HELD_BY_TENANT"))
                .body("eligibleAt", equalTo(later.toString()));
        // Released on an idle cluster, it still waits for its notBefore.
        given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + job + "/release").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"))
                .body("eligibleAt", equalTo(later.toString()));
        JobsTest.sleep(800);
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("reason", equalTo("NOT_BEFORE"));
        patch(t.admin(), job, "{\"notBefore\":null}").then().statusCode(200);
        until(t.member(), job, state("RUNNING"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);
    }

    @Test
    void a_lower_time_limit_shrinks_the_projected_cost_and_a_reserved_job_must_still_fit_its_window() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = hung(t, cluster, "8");
        String job = submitted(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        JsonPath submittedView = until(t.member(), job, j -> "CAPACITY".equals(j.getString("reason")));
        long projected = submittedView.getLong("projectedCost.amountMinor");
        assertTrue(projected > 0, submittedView.prettify());
        patch(t.member(), job, "{\"maxRunSeconds\":1800}").then().statusCode(200)
                .body("maxRunSeconds", equalTo(1800)).body("projectedCost.amountMinor", equalTo((int) (projected / 2)))
                .body("unitPrice.amountMinor", equalTo(submittedView.getInt("unitPrice.amountMinor")));
        // Raised, or cleared: refused, nothing changed.
        patch(t.member(), job, "{\"maxRunSeconds\":3600}").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("maxRunSeconds"));
        patch(t.member(), job, "{\"maxRunSeconds\":null}").then().statusCode(400)
                .body("errors[0].field", equalTo("maxRunSeconds"));
        JsonPath audit = given().auth().oauth2(t.admin()).queryParam("action", "updateJob")
                .get("/api/v1/tenants/" + t.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(Map.of("from", 3600, "to", 1800)), audit.getList("items.details.maxRunSeconds"));
        // It still runs, with its new limit.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        JsonPath ran = until(t.member(), job, state("RUNNING"));
        assertEquals(1800, ran.getInt("maxRunSeconds"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200);

        // A reserved job of a two-hour window, an hour long: moved to start 90 minutes in, it would overrun it.
        Instant start = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        String reservation = JobsTest.reserve(t, cluster, 8, start, start.plus(Duration.ofHours(2))).extract()
                .path("id");
        String reserved = submitted(t.member(), "{\"clusterId\":\"" + cluster + "\",\"projectId\":\""
                + t.projectId() + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\","
                + "\"reservationId\":\"" + reservation + "\",\"maxRunSeconds\":3600}");
        patch(t.member(), reserved, "{\"notBefore\":\"" + start.plus(Duration.ofMinutes(90)) + "\"}").then()
                .statusCode(400).body("errors[0].field", equalTo("notBefore"));
        patch(t.member(), reserved, "{\"notBefore\":\"" + start.plus(Duration.ofMinutes(30)) + "\"}").then()
                .statusCode(200).body("eligibleAt", equalTo(start.plus(Duration.ofMinutes(30)).toString()));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + reserved + "/cancel").then().statusCode(200);
    }

    @Test
    void dependencies_replaced_by_a_patch_hold_or_queue_the_job_and_never_close_a_cycle() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String blocker = hung(t, cluster, "8");
        String second = submitted(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        String third = submitted(t.member(), job(cluster, t.projectId(), "4", "ON_DEMAND", 3600));
        until(t.member(), third, j -> "CAPACITY".equals(j.getString("reason")));

        // A queued job made to wait for a running one is HELD for it.
        JsonPath waiting = patch(t.member(), second, "{\"dependsOn\":[{\"jobId\":\"" + blocker + "\"}]}").then()
                .statusCode(200).body("state", equalTo("HELD")).body("reason", equalTo("DEPENDENCY"))
                .extract().jsonPath();
        assertEquals(List.of("QUEUED", "HELD"), waiting.getList("history.to"));
        assertEquals(List.of("PENDING"), waiting.getList("dependsOn.status"));
        patch(t.member(), third, "{\"dependsOn\":[{\"jobId\":\"" + second + "\",\"condition\":\"ENDED\"}]}")
                .then().statusCode(200).body("state", equalTo("HELD"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs?dependsOn=" + second).then()
                .body("items.id", contains(third));

        // Refused, nothing changed: a cycle (third waits for second), itself, a bad condition, another tenant's job.
        World.Tenant other = World.tenant();
        String theirs = submitted(other.admin(), job(cluster, other.projectId(), "1", "SPOT", 60).replace("}",
                ",\"hold\":true}"));
        for (String[] wrong : List.of(
                new String[] {"[{\"jobId\":\"" + third + "\"}]", "dependsOn"},
                new String[] {"[{\"jobId\":\"" + blocker + "\"},{\"jobId\":\"" + second + "\"}]",
                        "dependsOn[1].jobId"},
                new String[] {"[{\"jobId\":\"" + blocker + "\",\"condition\":\"STARTED\"}]",
                        "dependsOn[0].condition"},
                new String[] {"[{\"jobId\":\"" + theirs + "\"}]", "dependsOn[0].jobId"})) {
            patch(t.member(), second, "{\"dependsOn\":" + wrong[0] + "}").then().statusCode(400)
                    .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo(wrong[1]));
        }
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + second).then().body("state", equalTo("HELD"))
                .body("dependsOn.jobId", contains(blocker));

        // Cleared: it no longer waits, and is queued again.
        JsonPath queued = patch(t.member(), second, "{\"dependsOn\":[]}").then().statusCode(200)
                .body("state", equalTo("QUEUED")).body("dependsOn", hasSize(0)).extract().jsonPath();
        assertEquals(List.of("QUEUED", "HELD", "QUEUED"), queued.getList("history.to"));
        assertEquals("DEPENDENCY_SATISFIED", queued.getString("history[2].reason"));
        JsonPath audit = given().auth().oauth2(t.admin()).queryParam("action", "updateJob")
                .get("/api/v1/tenants/" + t.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertTrue(audit.getList("items.details.dependsOn.to").contains(List.of()), audit.prettify());

        // The cards come free: second runs, third waits for it to end.
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + blocker + "/cancel").then().statusCode(200);
        until(t.member(), second, state("RUNNING"));
        given().auth().oauth2(t.member()).get("/api/v1/jobs/" + third).then().body("state", equalTo("HELD"));
        // A dependency already never to be met is 409; one already met queues it at once.
        patch(t.member(), third, "{\"dependsOn\":[{\"jobId\":\"" + blocker + "\"}]}").then().statusCode(409)
                .body("code", equalTo("JOB_DEPENDENCY_NEVER_SATISFIED"));
        patch(t.member(), third, "{\"dependsOn\":[{\"jobId\":\"" + blocker + "\",\"condition\":"
                + "\"NOT_SUCCEEDED\"}]}").then().statusCode(200).body("state", equalTo("QUEUED"))
                .body("dependsOn[0].status", equalTo("SATISFIED"));
        until(t.member(), third, state("RUNNING"));
        for (String id : List.of(second, third)) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    private String hung(World.Tenant t, String cluster, String cards) {
        String id = submitted(t.member(), job(cluster, t.projectId(), cards, "ON_DEMAND", 36000));
        emulator.hang(UUID.fromString(id));
        until(t.member(), id, state("RUNNING"));
        return id;
    }

    static Response patch(String token, String job, String body) {
        return given().auth().oauth2(token).contentType("application/merge-patch+json").body(body)
                .patch("/api/v1/jobs/" + job);
    }
}
