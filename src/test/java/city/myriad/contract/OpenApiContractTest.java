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
import city.myriad.platform.error.ProblemCode;
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
                boolean publicOperation = op.path("security").isArray() && op.path("security").isEmpty();
                if (op.path("responses").path("401").isMissingNode() && !publicOperation) {
                    problems.add(where + ": no 401");
                }
                problems.addAll(codesAgreeWithStatuses(where, op));
                problems.addAll(pathParametersInUrlOrder(where, path.getKey(), op));
                JsonNode created = op.path("responses").path("201");
                if (!created.isMissingNode() && created.path("headers").path("Location").isMissingNode()) {
                    problems.add(where + " 201: Location header not declared");
                }
                for (JsonNode p : op.path("parameters")) {
                    if (p.path("name").asText().equals("limit") && (p.path("schema").path("minimum").asInt() != 1
                            || p.path("schema").path("maximum").asInt() != 500)) {
                        problems.add(where + ": limit without its bounds 1..500 in the schema");
                    }
                }
            }
        }
        assertTrue(operations >= 18, "expected the whole API in the contract, found " + operations + " operations");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void every_test_request_passes_through_the_contract_validation() {
        assertTrue(io.restassured.RestAssured.filters().stream()
                .anyMatch(f -> f instanceof city.myriad.support.ContractValidationExtension.ServedContract),
                "ContractValidationExtension did not install the response check");
    }

    @Test
    void the_problem_codes_of_the_contract_are_the_enum_and_every_schema_ref_stands_alone() throws IOException {
        JsonNode contract = new YAMLMapper().readTree(CONTRACT.toFile());
        List<String> enumerated = new ArrayList<>();
        contract.path("components").path("schemas").path("ProblemCode").path("enum").forEach(c -> enumerated.add(c.asText()));
        assertEquals(java.util.Arrays.stream(ProblemCode.values()).map(Enum::name).toList(), enumerated);
        List<String> problems = new ArrayList<>();
        contract.path("components").path("schemas").fields().forEachRemaining(schema ->
                schema.getValue().path("properties").fields().forEachRemaining(p -> {
                    if (p.getValue().has("$ref") && p.getValue().has("type")) {
                        problems.add(schema.getKey() + "." + p.getKey() + ": a type beside its $ref");
                    }
                }));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void docs_api_md_lists_every_code_of_the_contract() throws IOException {
        JsonNode schema = new YAMLMapper().readTree(CONTRACT.toFile()).path("components").path("schemas").path("ProblemCode");
        StringBuilder table = new StringBuilder("| code | HTTP | meaning |\n|---|---|---|");
        for (int i = 0; i < schema.path("enum").size(); i++) {
            String code = schema.path("enum").get(i).asText();
            table.append("\n| `").append(code).append("` | ").append(schema.path("x-problem-status").path(code).asInt())
                    .append(" | ").append(schema.path("x-enum-descriptions").get(i).asText()).append(" |");
        }
        String doc = java.nio.file.Files.readString(Path.of("docs/api.md"));
        String start = "<!-- problem-codes:start (generated by bin/update-api-docs) -->\n";
        int from = doc.indexOf(start);
        int to = doc.indexOf("\n<!-- problem-codes:end -->");
        assertTrue(from >= 0 && to > from, "docs/api.md lost its problem-codes markers");
        assertEquals(table.toString(), doc.substring(from + start.length(), to),
                "docs/api.md's code table is not the contract's; run bin/update-api-docs");
    }

    /** Each error response lists its codes, and each listed code belongs to that status. */
    static List<String> codesAgreeWithStatuses(String where, JsonNode op) {
        List<String> problems = new ArrayList<>();
        op.path("responses").fields().forEachRemaining(r -> {
            if (Integer.parseInt(r.getKey()) < 400) {
                return;
            }
            JsonNode codes = r.getValue().path("x-problem-codes");
            if (codes.isEmpty()) {
                problems.add(where + " " + r.getKey() + ": no x-problem-codes");
            }
            codes.forEach(c -> {
                if (ProblemCode.valueOf(c.asText()).status() != Integer.parseInt(r.getKey())) {
                    problems.add(where + " " + r.getKey() + ": code " + c.asText() + " belongs to another status");
                }
            });
        });
        return problems;
    }

    /** Generated clients take path parameters in the order the contract lists them: it must be the URL's. */
    static List<String> pathParametersInUrlOrder(String where, String template, JsonNode op) {
        List<String> listed = new ArrayList<>();
        op.path("parameters").forEach(p -> {
            if (p.path("in").asText().equals("path")) {
                listed.add(p.path("name").asText());
            }
        });
        List<String> inUrl = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(template);
        while (m.find()) {
            inUrl.add(m.group(1));
        }
        return listed.equals(inUrl) ? List.of() : List.of(where + ": path parameters listed as " + listed
                + ", the URL has " + inUrl);
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
