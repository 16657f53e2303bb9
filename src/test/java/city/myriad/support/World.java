package city.myriad.support;

import static io.restassured.RestAssured.given;

import java.util.UUID;

/**
 * Builds what a test needs through the API, fresh each time so that tests never share quotas, budgets or cards:
 * a tenant with a project and its tokens; a small cluster of olga's with a price book.
 */
public final class World {

    private World() {}

    /** A tenant, one of its projects, and tokens for its tenant-admin, a tenant-member and a billing-viewer. */
    public record Tenant(String slug, String id, String projectId, String admin, String member, String viewer) {}

    public static Tenant tenant() {
        String slug = "t-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Test " + slug + "\"}").post("/api/v1/tenants").then()
                .statusCode(201).extract().path("id");
        String admin = Tokens.token(slug + "-admin", slug, null, "tenant-admin");
        String project = given().auth().oauth2(admin).contentType("application/json")
                .body("{\"slug\":\"work\",\"name\":\"Work\"}").post("/api/v1/tenants/" + id + "/projects").then()
                .statusCode(201).extract().path("id");
        return new Tenant(slug, id, project, admin, Tokens.token(slug + "-member", slug, null, "tenant-member"),
                Tokens.token(slug + "-viewer", slug, null, "billing-viewer"));
    }

    /**
     * A cluster of olga's with {@code nodes} nodes of 8 ASCEND-910B cards, one block per two nodes, and the prices
     * (per card-hour, CNY minor units): RESERVED 1000, ON_DEMAND 1200, SPOT 600.
     */
    public static String cluster(int nodes) {
        String slug = "c-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Test cluster\",\"region\":\"cn-east\"}")
                .post("/api/v1/clusters").then().statusCode(201).extract().path("id");
        StringBuilder csv = new StringBuilder("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n");
        for (int n = 1; n <= nodes; n++) {
            csv.append(slug).append("-n").append(n).append(",ASCEND-910B,8,192000,1572864,").append(slug).append("-r")
                    .append(n).append(',').append(slug).append("-b").append((n + 1) / 2).append('\n');
        }
        given().auth().oauth2(Tokens.olga()).contentType("text/csv").body(csv.toString())
                .post("/api/v1/clusters/" + id + "/nodes").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"prices\":[" + price("RESERVED", 1000) + "," + price("ON_DEMAND", 1200) + ","
                        + price("SPOT", 600) + "],\"sameBlockPremiumPercent\":10}")
                .put("/api/v1/clusters/" + id + "/prices").then().statusCode(200);
        return id;
    }

    private static String price(String cls, long minor) {
        return "{\"model\":\"ASCEND-910B\",\"class\":\"" + cls + "\",\"unitPrice\":{\"amountMinor\":" + minor
                + ",\"currency\":\"CNY\"}}";
    }
}
