package city.myriad.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The operator's side of the catalog: registering a cluster, importing its inventory, reading capacity. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class InventoryImportTest {

    static final String HEADER = "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n";

    @Test
    void an_operator_imports_an_inventory_and_a_reimport_changes_nothing() {
        String cluster = newCluster("imp-" + shortId());
        String csv = HEADER
                + "n1,H800,8,192000,1048576,r1,b1\n"
                + "n2,H800,8,192000,1048576,r1,b1\n"
                + "n3,A10,4,64000,262144,r2,b1\n"
                + "cpu1,,0,128000,524288,r2,b1\n";
        importCsv(cluster, csv).then().statusCode(200)
                .body("nodes", equalTo(4)).body("cards", equalTo(20)).body("models", contains("A10", "H800"))
                .body("created", equalTo(4)).body("updated", equalTo(0)).body("unchanged", equalTo(0));
        importCsv(cluster, csv).then().statusCode(200)
                .body("created", equalTo(0)).body("updated", equalTo(0)).body("unchanged", equalTo(4));
        importCsv(cluster, csv.replace("n3,A10,4", "n3,A10,2")).then().statusCode(200)
                .body("created", equalTo(0)).body("updated", equalTo(1)).body("unchanged", equalTo(3));

        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/capacity").then().statusCode(200)
                .body("cards.total", equalTo(18)).body("cards.available", equalTo(18))
                .body("models.model", contains("A10", "H800"))
                .body("models.find { it.model == 'H800' }.cards.total", equalTo(16));
    }

    @Test
    void a_bad_file_is_refused_whole_with_every_bad_row_named() {
        String cluster = newCluster("bad-" + shortId());
        String csv = HEADER
                + "n1,H800,8,192000,1048576,r1,b1\n"
                + "n2,H800,eight,192000,1048576,r1,b1\n"
                + "n3,,8,192000,1048576,r1,b1\n"
                + "n1,H800,8,192000,1048576,r1,b1\n"
                + "n5,H800,8,192000,1048576,r1,b2\n"
                + "n6,H800,8,-1,1048576,r3,b1\n"
                + "n7,H800,8\n";
        importCsv(cluster, csv).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("INVALID_INVENTORY"))
                .body("errors.row", contains(3, 4, 5, 6, 7, 8))
                .body("errors.field", contains("gpus", "gpu_model", "node_id", "block", "cpu_milli", null));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then().statusCode(200)
                .body("items", hasSize(0));
    }

    @Test
    void a_wrong_header_or_an_empty_body_is_a_clear_400() {
        String cluster = newCluster("hdr-" + shortId());
        importCsv(cluster, "id,model\nx,y\n").then().statusCode(400).body("code", equalTo("INVALID_INVENTORY_HEADER"));
        importCsv(cluster, "").then().statusCode(400).body("code", equalTo("EMPTY_INVENTORY"));
        importCsv(cluster, HEADER).then().statusCode(400).body("code", equalTo("EMPTY_INVENTORY"));
    }

    @Test
    void moving_a_rack_into_a_second_block_is_refused_and_nothing_is_imported() {
        String cluster = newCluster("rack-" + shortId());
        importCsv(cluster, HEADER + "n1,H800,8,1,1,r1,b1\n").then().statusCode(200);
        importCsv(cluster, HEADER + "n2,H800,8,1,1,r1,b2\nn3,H800,8,1,1,r9,b9\n").then().statusCode(400)
                .body("code", equalTo("RACK_IN_TWO_BLOCKS"));
        List<String> names = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes")
                .path("items.name");
        assertEquals(List.of("n1"), names);
    }

    @Test
    void the_demo_cluster_has_ten_thousand_cards_and_drained_nodes_show_in_capacity() {
        String cluster = "/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER;
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"DRAINING\"}")
                .put(cluster + "/nodes/hz-n1250/state").then().statusCode(200).body("state", equalTo("DRAINING"));
        given().auth().oauth2(Tokens.alice()).get(cluster + "/capacity").then().statusCode(200)
                .body("cards.total", equalTo(10000)).body("cards.draining", equalTo(8))
                .body("cards.available", equalTo(9992)).body("models[0].model", equalTo("ASCEND-910B"))
                .body("models[0].nodes", equalTo(1250));
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"AVAILABLE\"}")
                .put(cluster + "/nodes/hz-n1250/state").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"ON_FIRE\"}")
                .put(cluster + "/nodes/hz-n1250/state").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void nodes_are_paged_in_name_order() {
        String cluster = "/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/nodes";
        Response first = given().auth().oauth2(Tokens.olga()).get(cluster + "?limit=3");
        first.then().statusCode(200).body("items.name", contains("hz-n0001", "hz-n0002", "hz-n0003"))
                .body("items[0].rack", equalTo("hz-r001")).body("items[0].block", equalTo("hz-b01"));
        given().auth().oauth2(Tokens.olga()).queryParam("cursor", (String) first.path("nextCursor"))
                .get(cluster + "?limit=2").then().statusCode(200).body("items.name", contains("hz-n0004", "hz-n0005"));
    }

    @Test
    void a_node_is_read_alone_and_a_state_change_on_a_stale_read_is_refused() {
        String cluster = "/api/v1/clusters/" + city.myriad.support.World.cluster(2) + "/nodes";
        String node = given().auth().oauth2(Tokens.olga()).get(cluster + "?limit=1").path("items[0].name");
        Response read = given().auth().oauth2(Tokens.olga()).get(cluster + "/" + node);
        read.then().statusCode(200).body("name", equalTo(node)).body("state", equalTo("AVAILABLE"))
                .body("gpus", equalTo(8));
        String tag = read.header("ETag");
        // Two operators read the node AVAILABLE; the first drains it, the second's "down" is refused, not applied.
        given().auth().oauth2(Tokens.olga()).header("If-Match", tag).contentType("application/json")
                .body("{\"state\":\"DRAINING\"}").put(cluster + "/" + node + "/state").then().statusCode(200)
                .body("state", equalTo("DRAINING"));
        Response stale = given().auth().oauth2(Tokens.olga()).header("If-Match", tag).contentType("application/json")
                .body("{\"state\":\"DOWN\"}").put(cluster + "/" + node + "/state");
        stale.then().statusCode(412).body("code", equalTo("PRECONDITION_FAILED"));
        Response now = given().auth().oauth2(Tokens.olga()).get(cluster + "/" + node);
        now.then().statusCode(200).body("state", equalTo("DRAINING"));
        assertEquals(now.header("ETag"), stale.header("ETag"), "the 412 names the current tag");
        given().auth().oauth2(Tokens.olga()).header("If-Match", now.header("ETag")).contentType("application/json")
                .body("{\"state\":\"DOWN\"}").put(cluster + "/" + node + "/state").then().statusCode(200)
                .body("state", equalTo("DOWN"));
        // Without If-Match a change is unconditional, as before; an unknown node is a 404 problem.
        given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"AVAILABLE\"}")
                .put(cluster + "/" + node + "/state").then().statusCode(200);
        given().auth().oauth2(Tokens.olga()).get(cluster + "/no-such-node").then().statusCode(404)
                .body("code", equalTo("NODE_NOT_FOUND"));
        // Another operator's node is not readable (only the owner or a platform admin).
        given().auth().oauth2(Tokens.alice()).get(cluster + "/" + node).then().statusCode(403);
    }

    @Test
    void of_concurrent_state_changes_read_from_one_tag_exactly_one_lands() throws Exception {
        String cluster = "/api/v1/clusters/" + city.myriad.support.World.cluster(1) + "/nodes";
        String node = given().auth().oauth2(Tokens.olga()).get(cluster + "?limit=1").path("items[0].name");
        String tag = given().auth().oauth2(Tokens.olga()).get(cluster + "/" + node).header("ETag");
        String token = Tokens.olga();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String state = i % 2 == 0 ? "DRAINING" : "DOWN";
                answers.add(pool.submit(() -> given().auth().oauth2(token).header("If-Match", tag)
                        .contentType("application/json").body("{\"state\":\"" + state + "\"}")
                        .put(cluster + "/" + node + "/state").statusCode()));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Integer> a : answers) {
                statuses.add(a.get());
            }
            assertEquals(1, statuses.stream().filter(c -> c == 200).count(), statuses.toString());
            assertEquals(5, statuses.stream().filter(c -> c == 412).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nodes_narrow_to_one_state_and_one_model() {
        String cluster = "/api/v1/clusters/" + city.myriad.support.World.cluster(4) + "/nodes";
        String slug = given().auth().oauth2(Tokens.olga()).get(cluster + "?limit=1").then().statusCode(200).extract()
                .path("items[0].name").toString().replace("-n1", "");
        for (String[] change : new String[][] {{"-n2", "DOWN"}, {"-n3", "DRAINING"}}) {
            given().auth().oauth2(Tokens.olga()).contentType("application/json")
                    .body("{\"state\":\"" + change[1] + "\"}").put(cluster + "/" + slug + change[0] + "/state").then()
                    .statusCode(200);
        }
        given().auth().oauth2(Tokens.olga()).get(cluster + "?state=DOWN").then().statusCode(200)
                .body("items.name", contains(slug + "-n2"));
        given().auth().oauth2(Tokens.olga()).get(cluster + "?state=AVAILABLE&model=ASCEND-910B").then().statusCode(200)
                .body("items.name", contains(slug + "-n1", slug + "-n4"));
        given().auth().oauth2(Tokens.olga()).get(cluster + "?model=H800").then().statusCode(200)
                .body("items", hasSize(0));
        given().auth().oauth2(Tokens.olga()).get(cluster + "?state=down").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("state"));
    }

    @Test
    void only_the_owning_operator_or_an_admin_manages_a_cluster() {
        String cluster = "/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER;
        String otherCity = Tokens.token("oscar", null, "shenzhen", "operator");
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"shenzhen\",\"name\":\"Shenzhen\"}").post("/api/v1/operators");
        given().auth().oauth2(otherCity).get(cluster + "/nodes").then().statusCode(403)
                .body("code", equalTo("NOT_CLUSTER_OPERATOR"));
        given().auth().oauth2(otherCity).contentType("text/csv").body(HEADER + "x,H800,8,1,1,r1,b1\n")
                .post(cluster + "/nodes").then().statusCode(403);
        given().auth().oauth2(Tokens.alice()).get(cluster + "/nodes").then().statusCode(403);
        given().auth().oauth2(Tokens.alice()).get(cluster).then().statusCode(200).body("slug", equalTo("hangzhou-city"));
        given().auth().oauth2(Tokens.admin()).get(cluster + "/nodes?limit=1").then().statusCode(200);
        given().auth().oauth2(otherCity).get("/api/v1/clusters").then().statusCode(200)
                .body("items.slug", org.hamcrest.Matchers.not(hasItem("hangzhou-city")));
    }

    @Test
    void a_platform_admin_must_name_the_operator_of_a_new_cluster() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"orphan\",\"name\":\"Orphan\",\"region\":\"x\"}").post("/api/v1/clusters")
                .then().statusCode(400).body("code", equalTo("OPERATOR_REQUIRED"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"adopted-" + shortId() + "\",\"name\":\"Adopted\",\"region\":\"x\",\"operatorId\":\""
                        + DemoData.HANGZHOU + "\"}").post("/api/v1/clusters")
                .then().statusCode(201).body("operatorId", equalTo(DemoData.HANGZHOU.toString()));
    }

    static String newCluster(String slug) {
        return given().auth().oauth2(Tokens.olga()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Test " + slug + "\",\"region\":\"cn-east\"}")
                .post("/api/v1/clusters").then().statusCode(201).extract().path("id");
    }

    static Response importCsv(String cluster, String csv) {
        return given().auth().oauth2(Tokens.olga()).contentType("text/csv").body(csv)
                .post("/api/v1/clusters/" + cluster + "/nodes");
    }

    static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
