package city.myriad.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The marketplace end to end: the packaged service with the real Keycloak (tokens from its token endpoint), the
 * scheduling loop and the cluster emulator (speed-up 600). A tenant reads the offers, gets a quote, buys a
 * reservation at that price, and runs jobs inside and outside it on real placements; another tenant's spot job
 * is preempted for an on-demand job, requeued and credited; quotas and budgets refuse what they must; the other
 * tenant and the cluster routes are walled off.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = RealKeycloak.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MarketplaceEndToEndIT {

    static final String HANGZHOU = "01930000-0000-7000-8000-00000000c001";
    static final String ACME_VISION = "01930000-0000-7000-8000-00000000e101";
    static final String GLOBEX_LLM = "01930000-0000-7000-8000-00000000e201";
    static final String GLOBEX = "01930000-0000-7000-8000-00000000e002";

    static Response post(String token, String path, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body).post(path);
    }

    static String job(String cluster, String project, int cards, String cls, int maxRun) {
        return "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + project + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":" + cards + ",\"class\":\"" + cls + "\",\"maxRunSeconds\":" + maxRun + "}";
    }

    static JsonPath until(String token, String job, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = given().auth().oauth2(token).get("/api/v1/jobs/" + job).then().statusCode(200).extract().jsonPath();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("job " + job + " never got there: " + (last == null ? null : last.prettify()));
    }

    static Predicate<JsonPath> state(String s) {
        return j -> s.equals(j.getString("state"));
    }

    /** Every card of a placement is a real card of a real node, and none is used twice. */
    static void validPlacement(JsonPath job, int cards) {
        List<Map<String, Object>> placement = job.getList("placement");
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> p : placement) {
            String node = (String) p.get("node");
            for (Object c : (List<?>) p.get("cards")) {
                int card = ((Number) c).intValue();
                assertTrue(card >= 0 && card < 8, "a card of an 8-card node: " + card);
                assertTrue(seen.add(node + "/" + card), "a card used twice: " + placement);
            }
        }
        assertEquals(cards, seen.size(), "the job got the cards it asked for: " + placement);
    }

    @Test
    @Order(1)
    void a_tenant_reads_the_offers_buys_a_quoted_reservation_and_runs_jobs_inside_and_outside_it() {
        String alice = Keycloak.password("alice");
        given().auth().oauth2(alice).get("/api/v1/offers?clusterId=" + HANGZHOU).then().statusCode(200)
                .body("items.class", hasItem("RESERVED")).body("items.class", hasItem("ON_DEMAND"));
        Instant start = Instant.now().plusSeconds(2);
        Instant end = start.plus(Duration.ofHours(1));
        JsonPath quote = post(alice, "/api/v1/quotes", "{\"clusterId\":\"" + HANGZHOU + "\",\"model\":\"ASCEND-910B\","
                + "\"cards\":8,\"class\":\"RESERVED\",\"startAt\":\"" + start + "\",\"endAt\":\"" + end + "\"}")
                .then().statusCode(201).extract().jsonPath();
        JsonPath reservation = post(alice, "/api/v1/reservations", "{\"clusterId\":\"" + HANGZHOU + "\",\"projectId\":\""
                + ACME_VISION + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"startAt\":\"" + start + "\",\"endAt\":\""
                + end + "\",\"quoteId\":\"" + quote.getString("id") + "\"}").then().statusCode(201).extract().jsonPath();
        assertEquals(quote.getLong("unitPrice.amountMinor"), reservation.getLong("unitPrice.amountMinor"));
        assertEquals(quote.getLong("totalPrice.amountMinor"), reservation.getLong("totalPrice.amountMinor"));

        String inside = post(alice, "/api/v1/jobs", "{\"clusterId\":\"" + HANGZHOU + "\",\"projectId\":\"" + ACME_VISION
                + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"RESERVED\",\"reservationId\":\""
                + reservation.getString("id") + "\",\"maxRunSeconds\":600}").then().statusCode(201).extract().path("id");
        String outside = post(Keycloak.password("amy"), "/api/v1/jobs", job(HANGZHOU, ACME_VISION, 16, "ON_DEMAND", 600))
                .then().statusCode(201).extract().path("id");
        JsonPath in = until(alice, inside, state("SUCCEEDED"));
        JsonPath out = until(alice, outside, state("SUCCEEDED"));
        validPlacement(in, 8);
        validPlacement(out, 16);
        assertEquals(0, in.getLong("cost.amountMinor"), "paid by the reservation");
        assertEquals(List.of("QUEUED", "RUNNING", "SUCCEEDED"), out.getList("history.to"));
    }

    @Test
    @Order(2)
    void another_tenants_spot_job_is_preempted_for_an_on_demand_job_requeued_and_credited() {
        String olga = Keycloak.password("olga");
        String slug = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        String cluster = post(olga, "/api/v1/clusters", "{\"slug\":\"" + slug + "\",\"name\":\"E2E\",\"region\":"
                + "\"cn-east\"}").then().statusCode(201).extract().path("id");
        given().auth().oauth2(olga).contentType("text/csv").body("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n"
                + slug + "-1,ASCEND-910B,8,192000,1572864,r1,b1\n" + slug + "-2,ASCEND-910B,8,192000,1572864,r2,b1\n")
                .post("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200);
        given().auth().oauth2(olga).contentType("application/json").body("{\"prices\":["
                + "{\"model\":\"ASCEND-910B\",\"class\":\"ON_DEMAND\",\"unitPrice\":{\"amountMinor\":1200,\"currency\":\"CNY\"}},"
                + "{\"model\":\"ASCEND-910B\",\"class\":\"SPOT\",\"unitPrice\":{\"amountMinor\":600,\"currency\":\"CNY\"}}]}")
                .put("/api/v1/clusters/" + cluster + "/prices").then().statusCode(200);
        String bob = Keycloak.password("bob");
        String alice = Keycloak.password("alice");
        String spot = post(bob, "/api/v1/jobs", job(cluster, GLOBEX_LLM, 16, "SPOT", 36000)).then().statusCode(201)
                .extract().path("id");
        until(bob, spot, state("RUNNING"));
        try {
            Thread.sleep(2100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String urgent = post(alice, "/api/v1/jobs", job(cluster, ACME_VISION, 8, "ON_DEMAND", 36000)).then()
                .statusCode(201).extract().path("id");
        validPlacement(until(alice, urgent, state("RUNNING")), 8);
        JsonPath requeued = until(bob, spot, j -> j.getList("history.to").contains("PREEMPTED"));
        assertEquals("QUEUED", requeued.getString("state"));
        assertTrue(requeued.getLong("credit.amountMinor") > 0, requeued.prettify());
        assertEquals(requeued.getLong("cost.amountMinor"), requeued.getLong("credit.amountMinor"));

        // The walls: the other tenant sees nothing of it; tenants never reach the cluster routes; its operator does.
        given().auth().oauth2(bob).get("/api/v1/jobs/" + urgent).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        given().auth().oauth2(bob).post("/api/v1/jobs/" + urgent + "/cancel").then().statusCode(404);
        given().auth().oauth2(alice).get("/api/v1/jobs/" + spot).then().statusCode(404);
        given().auth().oauth2(alice).get("/api/v1/clusters/" + cluster + "/assignments").then().statusCode(403);
        post(alice, "/api/v1/clusters/" + cluster + "/events", "{\"events\":[{\"eventId\":\"e\",\"type\":\"NODE_DOWN\","
                + "\"node\":\"" + slug + "-1\"}]}").then().statusCode(403);
        given().auth().oauth2(olga).get("/api/v1/clusters/" + cluster + "/assignments").then().statusCode(200);

        // Quotas: 9 cards can never fit a limit of 8.
        given().auth().oauth2(Keycloak.password("admin")).contentType("application/json")
                .body("{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"class\":\"ON_DEMAND\","
                        + "\"limit\":8}]}")
                .put("/api/v1/tenants/01930000-0000-7000-8000-00000000e001/quotas").then().statusCode(200);
        post(alice, "/api/v1/jobs", job(cluster, ACME_VISION, 9, "ON_DEMAND", 60)).then().statusCode(422)
                .body("code", equalTo("QUOTA_EXCEEDED"));
        given().auth().oauth2(alice).post("/api/v1/jobs/" + urgent + "/cancel").then().statusCode(200);
        given().auth().oauth2(bob).post("/api/v1/jobs/" + spot + "/cancel").then().statusCode(200);
    }

    @Test
    @Order(3)
    void a_budget_refuses_a_job_it_cannot_pay_for() {
        String admin = Keycloak.password("admin");
        given().auth().oauth2(admin).contentType("application/json")
                .body("{\"cards\":[],\"budget\":{\"amountMinor\":100,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put("/api/v1/tenants/" + GLOBEX + "/quotas").then().statusCode(200);
        try {
            // 8 cards for an hour at the Hangzhou on-demand price is far more than 1.00 CNY.
            post(Keycloak.password("bob"), "/api/v1/jobs", job(HANGZHOU, GLOBEX_LLM, 8, "ON_DEMAND", 3600)).then()
                    .statusCode(422).body("code", equalTo("BUDGET_EXCEEDED"));
        } finally {
            given().auth().oauth2(admin).contentType("application/json").body("{\"cards\":[]}")
                    .put("/api/v1/tenants/" + GLOBEX + "/quotas").then().statusCode(200);
        }
    }
}
