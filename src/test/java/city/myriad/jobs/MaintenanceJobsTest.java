package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.job;
import static city.myriad.jobs.JobsTest.sleep;
import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import city.myriad.catalog.MaintenanceTest;
import city.myriad.support.Deliveries;
import city.myriad.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import jakarta.inject.Inject;
import city.myriad.jobs.service.ClusterEmulator;
import org.junit.jupiter.api.Test;

/**
 * What the scheduling loop does with a maintenance window: before it, a node takes only work declared to end by its
 * start (preemptible work aside); at its start what still runs there stops (SPOT requeued, the rest FAILED with reason
 * MAINTENANCE); during it the node takes nothing; completed, it takes work again.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class MaintenanceJobsTest {

    @Inject
    ClusterEmulator emulator;

    @Inject
    Pool pool;

    static String schedule(String cluster, List<String> nodes, Instant start, Instant end) {
        return given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"nodes\":[" + String.join(",", nodes.stream().map(n -> "\"" + n + "\"").toList())
                        + "],\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\",\"reason\":\"Cooling repair\"}")
                .post("/api/v1/clusters/" + cluster + "/maintenances").then().statusCode(201).extract().path("id");
    }

    static List<String> nodes(String cluster) {
        return given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().jsonPath().getList("items.name");
    }

    /**
     * The job still waits after more than a scheduling cycle's refresh (had it been placeable, it would run by now),
     * with reason MAINTENANCE, and is told it starts no earlier than {@code back}, when the window is over.
     */
    private static void waitsForMaintenance(World.Tenant t, String job, Instant back) {
        until(t.admin(), job, j -> j.getString("reason") != null);
        sleep(2_500);
        JsonPath waiting = until(t.admin(), job, j -> true);
        assertEquals("QUEUED", waiting.getString("state"), waiting.prettify());
        assertEquals("MAINTENANCE", waiting.getString("reason"), waiting.prettify());
        assertFalse(Instant.parse(waiting.getString("estimatedStartAt"))
                .isBefore(back.truncatedTo(java.time.temporal.ChronoUnit.MICROS)), waiting.prettify());
    }

    @Test
    void before_its_window_a_node_takes_only_work_that_ends_by_its_start() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant start = Instant.now().plus(Duration.ofHours(1));
        schedule(cluster, nodes(cluster), start, start.plus(Duration.ofHours(1)));
        // 10 hours would run into the window: it waits (the only node is kept for the maintenance).
        String tooLong = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36_000));
        waitsForMaintenance(t, tooLong, start.plus(Duration.ofHours(1)));  // the free node is kept for the window
        // Half an hour ends before it: it runs, on the same node.
        String fits = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 1_800));
        emulator.hang(UUID.fromString(fits));
        until(t.admin(), fits, state("RUNNING"));
        JsonPath after = until(t.admin(), tooLong, j -> "CAPACITY".equals(j.getString("reason")));
        assertEquals("QUEUED", after.getString("state"), "no free cards now: it waits for capacity");
    }

    @Test
    void a_job_kept_off_by_a_window_to_come_runs_once_its_time_limit_ends_before_it() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        Instant start = Instant.now().plus(Duration.ofHours(1));
        schedule(cluster, nodes(cluster), start, start.plus(Duration.ofHours(1)));
        String job = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 36_000));
        waitsForMaintenance(t, job, start.plus(Duration.ofHours(1)));
        // What its reason suggests: a time limit that ends by the window's start (updateJob) lets it run now.
        emulator.hang(UUID.fromString(job));
        JobUpdatesTest.patch(t.admin(), job, "{\"maxRunSeconds\":1800}").then().statusCode(200);
        until(t.admin(), job, state("RUNNING"));
    }

    @Test
    void a_gang_kept_off_by_a_window_to_come_says_so_until_the_cards_it_lacks_are_taken() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        Instant start = Instant.now().plus(Duration.ofHours(1));
        schedule(cluster, nodes(cluster).subList(0, 1), start, start.plus(Duration.ofHours(1)));
        // 16 cards need both nodes; one is kept for the window the 10 hours would run into.
        String gang = submitted(t.admin(), job(cluster, t.projectId(), "16", "ON_DEMAND", 36_000));
        waitsForMaintenance(t, gang, start.plus(Duration.ofHours(1)));
        // Half an hour on one node ends before the window and before the gang could start anyway: it runs.
        String shortJob = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 1_800));
        emulator.hang(UUID.fromString(shortJob));
        until(t.admin(), shortJob, state("RUNNING"));
        // With 8 of its cards taken, the window is no longer all it lacks.
        JsonPath after = until(t.admin(), gang, j -> "CAPACITY".equals(j.getString("reason")));
        assertEquals("QUEUED", after.getString("state"), after.prettify());
    }

    @Test
    void at_its_start_what_runs_on_its_nodes_stops_and_completed_they_take_work_again() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        MaintenanceTest.webhook(t, "maintenance.scheduled");
        String onDemand = submitted(t.admin(), job(cluster, t.projectId(), "8", "ON_DEMAND", 1_800));
        String spot = submitted(t.admin(), job(cluster, t.projectId(), "8", "SPOT", 36_000));
        emulator.hang(UUID.fromString(onDemand));  // the emulator would end them in seconds
        emulator.hang(UUID.fromString(spot));
        until(t.admin(), onDemand, state("RUNNING"));
        until(t.admin(), spot, state("RUNNING"));
        // Both nodes, from a few seconds on: the running jobs were placed before it was scheduled.
        String window = schedule(cluster, nodes(cluster), Instant.now().plusSeconds(3),
                Instant.now().plus(Duration.ofHours(2)));
        List<JsonPath> told = Deliveries.of(pool, t.id(), "maintenance.scheduled");
        assertEquals(1, told.size());
        assertEquals(2, told.get(0).getInt("data.runningJobs"), "told what of its work the window stops");
        assertEquals(window, told.get(0).getString("data.maintenanceId"));
        JsonPath failed = until(t.admin(), onDemand, state("FAILED"));
        assertEquals("MAINTENANCE", failed.getString("reason"));
        JsonPath requeued = until(t.admin(), spot, j -> j.getList("history.to").contains("PREEMPTED"));
        assertEquals("QUEUED", requeued.getString("state"), "every node is in maintenance: it waits");
        assertEquals("MAINTENANCE", requeued.getList("history.reason").get(requeued.getList("history.to")
                .indexOf("PREEMPTED")), requeued.prettify());
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/maintenances/" + window).then()
                .statusCode(200).body("state", org.hamcrest.Matchers.equalTo("IN_PROGRESS"));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/capacity").then().statusCode(200)
                .body("cards.inMaintenance", org.hamcrest.Matchers.equalTo(16))
                .body("cards.available", org.hamcrest.Matchers.equalTo(16))
                .body("models[0].cards.inMaintenance", org.hamcrest.Matchers.equalTo(16));
        // While it lasts nothing starts there, however short.
        String shortJob = submitted(t.admin(), job(cluster, t.projectId(), "1", "ON_DEMAND", 60));
        emulator.hang(UUID.fromString(shortJob));
        until(t.admin(), shortJob, j -> j.getString("reason") != null);
        sleep(2_500);
        JsonPath kept = until(t.admin(), shortJob, j -> true);
        assertEquals("QUEUED", kept.getString("state"));
        assertEquals("MAINTENANCE", kept.getString("reason"), "its cards are in the window");
        assertEquals("QUEUED", until(t.admin(), spot, j -> true).getString("state"));
        assertEquals("MAINTENANCE", until(t.admin(), spot, j -> true).getString("reason"));
        // Cancelling a window under way is refused; completing it brings the nodes back.
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + window
                + "/cancel").then().statusCode(409);
        given().auth().oauth2(Tokens.olga()).post("/api/v1/clusters/" + cluster + "/maintenances/" + window
                + "/complete").then().statusCode(200).body("state", org.hamcrest.Matchers.equalTo("COMPLETED"));
        until(t.admin(), shortJob, state("RUNNING"));
        given().auth().oauth2(t.member()).get("/api/v1/clusters/" + cluster + "/capacity").then().statusCode(200)
                .body("cards.inMaintenance", org.hamcrest.Matchers.equalTo(0));
        JsonPath again = until(t.admin(), spot, state("RUNNING"));
        assertNotEquals(1, again.getInt("attempt"));
    }
}
