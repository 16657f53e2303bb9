package city.myriad.jobs;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.service.Leadership;
import city.myriad.jobs.service.SchedulingLoops;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Exactly one replica schedules a cluster, and when it dies another takes over: a second replica cannot win a
 * cluster that is held; once the holder's database session is cut (as when its process dies), a new replica wins
 * it with a higher epoch, rebuilds the scheduler from the database, keeps the running job running (never started
 * twice) and schedules new work; the dead replica's loop, which was never told, can commit nothing and stops.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class SchedulerFailoverTest {

    @Inject
    SchedulingLoops loops;

    static void until(String what, BooleanSupplier done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!done.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("never happened: " + what);
            }
            JobsTest.sleep(50);
        }
    }

    @Test
    void one_replica_schedules_a_cluster_and_another_takes_over_when_it_dies() {
        String cluster = World.cluster(1);
        UUID clusterId = UUID.fromString(cluster);
        World.Tenant t = World.tenant();
        Leadership first = loops.leadership();
        until("the first replica leads the new cluster", () -> first.leading().contains(clusterId));
        long firstEpoch = first.epochOf(clusterId);

        try (Leadership rival = loops.replica("rival")) {
            rival.tryOnce();
            assertFalse(rival.leading().contains(clusterId), "the cluster's lock is held: the rival cannot win it");
        }

        String running = JobsTest.submitted(t.admin(), JobsTest.job(cluster, t.projectId(), "2", "ON_DEMAND", 36000));
        JobsTest.until(t.admin(), running, JobsTest.state("RUNNING"));

        Leadership dead = loops.failover("successor");
        Leadership successor = loops.leadership();
        until("the successor leads the cluster", () -> successor.leading().contains(clusterId));
        assertTrue(successor.epochOf(clusterId) > firstEpoch, "a new epoch fences the dead replica");

        String next = JobsTest.submitted(t.admin(), JobsTest.job(cluster, t.projectId(), "2", "ON_DEMAND", 36000));
        JobsTest.until(t.admin(), next, JobsTest.state("RUNNING"));
        until("the dead replica's loop found itself fenced and stopped", () -> dead.leading().isEmpty());

        JsonPath still = given().auth().oauth2(t.admin()).get("/api/v1/jobs/" + running).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("RUNNING", still.getString("state"), "the running job survived the failover");
        assertEquals(1, still.getInt("attempt"), "and was never started again");
        List<Map<String, Object>> starts = given().auth().oauth2(Tokens.olga())
                .get("/api/v1/clusters/" + cluster + "/assignments?limit=500").jsonPath().getList("items");
        assertTrue(starts.stream().noneMatch(a -> running.equals(a.get("jobId"))
                && ((Number) a.get("attempt")).intValue() > 1), "no second START for it");
        for (String id : List.of(running, next)) {
            given().auth().oauth2(t.admin()).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }
}
