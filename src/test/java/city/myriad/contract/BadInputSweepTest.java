package city.myriad.contract;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every write route of the served contract, found by reading the contract itself so that a new route cannot be
 * forgotten, gets bad input of every kind — and must answer a 4xx problem+json with a code, never a 5xx, and
 * change nothing.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class BadInputSweepTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> PATH_VALUES = Map.of(
            "tenantId", DemoData.ACME.toString(),
            "clusterId", DemoData.HANGZHOU_CLUSTER.toString(),
            "memberId", "01930000-0000-7000-8000-00000000e112",
            "projectId", "01930000-0000-7000-8000-00000000e101",
            "nodeName", "hz-n0001");

    @Test
    void every_write_route_answers_bad_input_with_a_problem_and_changes_nothing() throws Exception {
        JsonNode contract = JSON.readTree(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        String before = state();
        List<String> failures = new ArrayList<>();
        int routes = 0;
        int requests = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = contract.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (String method : List.of("post", "put", "patch")) {
                JsonNode op = path.getValue().path(method);
                if (op.isMissingNode() || op.path("requestBody").isMissingNode()) {
                    continue;
                }
                routes++;
                String url = fill(path.getKey());
                String token = url.startsWith("/api/v1/clusters") ? Tokens.olga() : Tokens.admin();
                JsonNode content = op.path("requestBody").path("content");
                for (Map.Entry<String, String[]> bad : badBodies(content).entrySet()) {
                    requests++;
                    Response r = given().auth().oauth2(token).contentType(bad.getValue()[0]).body(bad.getValue()[1])
                            .request(method.toUpperCase(), url);
                    String where = method.toUpperCase() + " " + path.getKey() + " with " + bad.getKey();
                    if (r.statusCode() < 400 || r.statusCode() >= 500) {
                        failures.add(where + ": HTTP " + r.statusCode());
                    } else if (!String.valueOf(r.contentType()).startsWith("application/problem+json")) {
                        failures.add(where + ": HTTP " + r.statusCode() + " as " + r.contentType());
                    } else if (r.path("code") == null || r.path("detail") == null) {
                        failures.add(where + ": problem without code or detail");
                    }
                }
            }
        }
        assertTrue(routes >= 7, "expected every write route of the contract, found " + routes);
        assertTrue(failures.isEmpty(), failures.size() + " of " + requests + " bad requests were mishandled:\n"
                + String.join("\n", failures));
        assertEquals(before, state(), "bad input must change nothing");
    }

    /** Bad bodies for the route: name → {content type, body}. */
    static Map<String, String[]> badBodies(JsonNode content) throws Exception {
        Map<String, String[]> bodies = new LinkedHashMap<>();
        String oversized = "x".repeat(17 * 1024 * 1024);
        if (content.has("text/csv")) {
            bodies.put("a file that is not CSV", new String[] {"text/csv", "\u0000\u0001garbage"});
            bodies.put("a header without nodes", new String[] {"text/csv",
                    "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n"});
            bodies.put("rows with the wrong number of fields", new String[] {"text/csv",
                    "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\nn1,H800\n"});
            bodies.put("an empty body", new String[] {"text/csv", ""});
            bodies.put("JSON instead of CSV", new String[] {"application/json", "{\"node_id\":\"n1\"}"});
            bodies.put("a body over the size limit", new String[] {"text/csv", oversized});
            return bodies;
        }
        JsonNode example = content.path("application/json").path("example");
        bodies.put("malformed JSON", new String[] {"application/json", "{\"slug\": "});
        bodies.put("wrong types", new String[] {"application/json", JSON.writeValueAsString(wrongTypes(example))});
        ObjectNode unknown = example.isObject() ? ((ObjectNode) example.deepCopy()) : JSON.createObjectNode();
        unknown.put("unexpectedField", 1);
        bodies.put("an unknown field", new String[] {"application/json", JSON.writeValueAsString(unknown)});
        bodies.put("an empty body", new String[] {"application/json", ""});
        bodies.put("an empty object", new String[] {"application/json", "{}"});
        bodies.put("null", new String[] {"application/json", "null"});
        bodies.put("an array", new String[] {"application/json", "[]"});
        bodies.put("a body over the size limit", new String[] {"application/json", "{\"name\":\"" + oversized + "\"}"});
        bodies.put("the wrong content type", new String[] {"text/plain", example.toString()});
        return bodies;
    }

    /** The example with every field of the wrong type: numbers for strings, strings for arrays and numbers. */
    static JsonNode wrongTypes(JsonNode example) {
        ObjectNode wrong = JSON.createObjectNode();
        example.fields().forEachRemaining(f -> {
            JsonNode v = f.getValue();
            if (v.isTextual()) {
                wrong.putArray(f.getKey()).add(1);
            } else if (v.isArray()) {
                wrong.put(f.getKey(), "not-a-list");
            } else {
                wrong.put(f.getKey(), "not-a-number");
            }
        });
        if (wrong.isEmpty()) {
            wrong.put("slug", 42);
        }
        return wrong;
    }

    static String fill(String template) {
        String url = template;
        for (Map.Entry<String, String> v : PATH_VALUES.entrySet()) {
            url = url.replace("{" + v.getKey() + "}", v.getValue());
        }
        assertTrue(!url.contains("{"), "no value for a path parameter in " + template);
        return url;
    }

    /** What the sweep could have changed, as the platform admin and the operator see it. */
    static String state() {
        return given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants?limit=500").asString()
                + given().auth().oauth2(Tokens.admin()).get("/api/v1/operators?limit=500").asString()
                + given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters?limit=500").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/projects?limit=500").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/members?limit=500").asString()
                + given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/nodes?limit=3").asString()
                + given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/capacity").asString();
    }
}
