package city.myriad.contract;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code openapi/myriad.yaml} is the contract clients generate from: the served contract must be the same
 * document, and every operation in it must be complete (id, tags, summary, examples, problem+json errors).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class OpenApiContractTest {

    static final Path CONTRACT = Path.of("openapi/myriad.yaml");
    static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

    @Test
    void the_served_contract_is_the_committed_file() throws IOException {
        JsonNode file = new YAMLMapper().readTree(CONTRACT.toFile());
        JsonNode served = new ObjectMapper().readTree(given().get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString());
        String difference = firstDifference("", file, served);
        if (difference != null) {
            fail("openapi/myriad.yaml and the served /q/openapi differ at " + difference
                    + ". Run bin/update-openapi and review the diff.");
        }
    }

    @Test
    void every_operation_is_complete() throws IOException {
        JsonNode contract = new YAMLMapper().readTree(CONTRACT.toFile());
        assertEquals("3.1.0", contract.path("openapi").asText());
        List<String> problems = new ArrayList<>();
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = contract.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (String method : METHODS) {
                JsonNode op = path.getValue().path(method);
                if (op.isMissingNode()) {
                    continue;
                }
                operations++;
                String where = method.toUpperCase() + " " + path.getKey();
                if (op.path("operationId").asText().isEmpty()) problems.add(where + ": no operationId");
                if (op.path("tags").isEmpty()) problems.add(where + ": no tags");
                if (op.path("summary").asText().isEmpty()) problems.add(where + ": no summary");
                JsonNode body = op.path("requestBody").path("content");
                body.fields().forEachRemaining(media -> {
                    if (media.getValue().path("example").isMissingNode() && media.getValue().path("examples").isMissingNode()) {
                        problems.add(where + ": request body " + media.getKey() + " has no example");
                    }
                });
                boolean successExample = false;
                for (Iterator<Map.Entry<String, JsonNode>> rs = op.path("responses").fields(); rs.hasNext(); ) {
                    Map.Entry<String, JsonNode> r = rs.next();
                    int status = Integer.parseInt(r.getKey());
                    JsonNode content = r.getValue().path("content");
                    if (status >= 400) {
                        JsonNode problem = content.path("application/problem+json");
                        if (problem.isMissingNode() || content.size() != 1) {
                            problems.add(where + " " + status + ": not application/problem+json");
                        } else if (!"#/components/schemas/Problem".equals(problem.path("schema").path("$ref").asText())) {
                            problems.add(where + " " + status + ": not the Problem schema");
                        }
                    } else if (status < 300 && (content.isEmpty() || content.findValue("example") != null)) {
                        successExample = true;
                    }
                }
                if (!successExample) problems.add(where + ": the success response has no example");
                for (String status : List.of("401", "403", "404")) {
                    if (op.path("responses").path(status).isMissingNode()) problems.add(where + ": no " + status);
                }
            }
        }
        assertTrue(operations >= 18, "expected the whole API in the contract, found " + operations + " operations");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The JSON pointer of the first place where the two documents differ, or null if they are equal. */
    static String firstDifference(String at, JsonNode a, JsonNode b) {
        if (a.isObject() && b.isObject()) {
            List<String> names = new ArrayList<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(n -> { if (!names.contains(n)) names.add(n); });
            for (String n : names) {
                String child = at + "/" + n.replace("~", "~0").replace("/", "~1");
                if (!a.has(n) || !b.has(n)) {
                    return child + (a.has(n) ? " (only in the file)" : " (only in the served contract)");
                }
                String d = firstDifference(child, a.get(n), b.get(n));
                if (d != null) return d;
            }
            return null;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return at + " (" + a.size() + " vs " + b.size() + " items)";
            for (int i = 0; i < a.size(); i++) {
                String d = firstDifference(at + "/" + i, a.get(i), b.get(i));
                if (d != null) return d;
            }
            return null;
        }
        boolean same = a.isNumber() && b.isNumber() ? a.decimalValue().compareTo(b.decimalValue()) == 0
                : a.asText().equals(b.asText()) && a.isContainerNode() == b.isContainerNode();
        return same ? null : at + " ('" + a.asText() + "' vs '" + b.asText() + "')";
    }
}
