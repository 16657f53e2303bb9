package city.myriad.jobs;

import static city.myriad.jobs.JobsTest.state;
import static city.myriad.jobs.JobsTest.submit;
import static city.myriad.jobs.JobsTest.submitted;
import static city.myriad.jobs.JobsTest.until;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

/**
 * Jobs that ask CPU and memory besides their cards (World's nodes: 8 cards, 192 cores, 1.5 TiB each): the scheduler
 * places them only where the node has the CPU and memory free, a job no nodes could ever carry is refused at
 * submission, and both are shown on the job.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class JobCpuMemoryTest {

    static String job(String cluster, String project, int cards, long cpuMilli, long memoryMib, int maxRun) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":" + cards + ",\"class\":\"ON_DEMAND\",\"maxRunSeconds\":" + maxRun + ",\"cpuMilli\":"
                + cpuMilli + ",\"memoryMib\":" + memoryMib + "}";
    }

    @Test
    void a_job_waits_for_the_cpu_it_asks_though_cards_are_free_and_starts_once_the_cpu_is() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        // 120 of the node's 192 cores taken by a long job of one card.
        String a = submitted(t.member(), job(cluster, t.projectId(), 1, 120_000, 65_536, 360_000));
        until(t.member(), a, state("RUNNING"));
        // One card and 100 cores: seven cards are free, 72 cores are not enough.
        String b = submitted(t.member(), job(cluster, t.projectId(), 1, 100_000, 0, 360_000));
        JsonPath asked = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + b).then().statusCode(200)
                .body("cpuMilli", equalTo(100_000)).body("memoryMib", equalTo(0)).extract().jsonPath();
        assertEquals("QUEUED", asked.getString("state"));
        // Its estimate waits for the CPU, not the cards: the first job's declared end.
        java.time.Instant firstEnds = java.time.Instant.parse(given().auth().oauth2(t.member())
                .get("/api/v1/jobs/" + a).then().extract().<String>path("startedAt")).plusSeconds(360_000);
        assertEquals(firstEnds, java.time.Instant.parse(asked.getString("estimatedStartAt")));
        // A quote for such a job says the same; without the CPU, it could start now; more than a node has: refused.
        String quote = "{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,"
                + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600";
        JsonPath quoted = given().auth().oauth2(t.member()).contentType("application/json")
                .body(quote + ",\"cpuMilli\":100000}").post("/api/v1/quotes").then().statusCode(201)
                .body("cpuMilli", equalTo(100_000)).extract().jsonPath();
        assertEquals(firstEnds, java.time.Instant.parse(quoted.getString("earliestStartAt")));
        java.time.Instant cardsOnly = java.time.Instant.parse(given().auth().oauth2(t.member())
                .contentType("application/json").body(quote + "}").post("/api/v1/quotes").then().statusCode(201)
                .body("cpuMilli", equalTo(0)).extract().<String>path("earliestStartAt"));
        org.junit.jupiter.api.Assertions.assertTrue(cardsOnly.isBefore(firstEnds.minusSeconds(350_000)),
                cardsOnly.toString());
        given().auth().oauth2(t.member()).contentType("application/json").body(quote + ",\"cpuMilli\":192001}")
                .post("/api/v1/quotes").then().statusCode(409).body("code", equalTo("CAPACITY_UNAVAILABLE"));
        given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":1,"
                        + "\"class\":\"RESERVED\",\"startAt\":\"" + java.time.Instant.now().plusSeconds(86_400)
                        + "\",\"endAt\":\"" + java.time.Instant.now().plusSeconds(90_000) + "\",\"cpuMilli\":1000}")
                .post("/api/v1/quotes").then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));

        // A short job of one card and 60 cores, submitted after it, runs at once (it ends before b's reserved start:
        // backfilled): the loop looked, and left b waiting.
        String c = submitted(t.member(), job(cluster, t.projectId(), 1, 60_000, 0, 60));
        until(t.member(), c, j -> j.getList("history.to").contains("RUNNING"));
        JsonPath waiting = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + b).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("QUEUED", waiting.getString("state"), "72 cores free for 100: it waits");
        assertEquals("CAPACITY", waiting.getString("reason"));

        // Another long job of 80 cores (72 free) waits too; the first job ends: 192 cores free, b (100) starts, and
        // the 80-core job beside it on the same node (180 of 192).
        String d = submitted(t.member(), job(cluster, t.projectId(), 1, 80_000, 0, 360_000));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + a + "/cancel").then().statusCode(200);
        JsonPath running = until(t.member(), b, state("RUNNING"));
        JsonPath beside = until(t.member(), d, state("RUNNING"));
        assertEquals(running.getString("placement[0].node"), beside.getString("placement[0].node"));
        for (String j : new String[] {b, d}) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void an_on_demand_job_that_needs_the_cpu_spot_work_holds_evicts_it() {
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        // Spot work of one card and 150 cores: seven cards free, 42 cores.
        String spot = submitted(t.member(), job(cluster, t.projectId(), 1, 150_000, 0, 360_000)
                .replace("ON_DEMAND", "SPOT"));
        until(t.member(), spot, state("RUNNING"));
        String onDemand = submitted(t.member(), job(cluster, t.projectId(), 1, 100_000, 0, 360_000));
        until(t.member(), onDemand, state("RUNNING"));
        JsonPath evicted = until(t.member(), spot, j -> j.getList("history.reason").contains("PREEMPTED"));
        assertEquals("QUEUED", evicted.getString("state"), "requeued, waiting for the CPU");
        for (String j : new String[] {spot, onDemand}) {
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + j + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void a_job_no_nodes_could_ever_carry_is_refused_and_bad_values_are_400() {
        String cluster = World.cluster(2);
        World.Tenant t = World.tenant();
        String p = t.projectId();
        // One node's worth, but more CPU or memory than any node has.
        for (String body : new String[] {job(cluster, p, 1, 192_001, 0, 600), job(cluster, p, 8, 0, 1_572_865, 600)}) {
            submit(t.member(), body).then().statusCode(409).contentType("application/problem+json")
                    .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        }
        // A gang of 16 cards over both nodes: 24 cores a card fit (192 a node), 25 do not.
        String gang = submitted(t.member(), job(cluster, p, 16, 16 * 24_000, 16 * 98_304, 600));
        submit(t.member(), job(cluster, p, 16, 16 * 25_000, 0, 600)).then().statusCode(409)
                .body("code", equalTo("CAPACITY_UNAVAILABLE"));
        given().auth().oauth2(t.member()).post("/api/v1/jobs/" + gang + "/cancel").then().statusCode(200);

        String base = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + p + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600,";
        for (String bad : new String[] {"\"cpuMilli\":-1", "\"cpuMilli\":1.5", "\"cpuMilli\":\"many\"",
                "\"memoryMib\":-5", "\"memoryMib\":1000000001", "\"cpuMilli\":1000000001"}) {
            submit(t.member(), base + bad + "}").then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(t.member()).queryParam("projectId", p).get("/api/v1/jobs").then().statusCode(200)
                .body("items.size()", equalTo(1));  // only the gang was ever made
    }
}
