package city.myriad.contract;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
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
import java.util.UUID;
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
    static final Map<String, String> PATH_VALUES = Map.ofEntries(
            Map.entry("tenantId", DemoData.ACME.toString()),
            Map.entry("clusterId", DemoData.HANGZHOU_CLUSTER.toString()),
            Map.entry("memberId", "01930000-0000-7000-8000-00000000e112"),
            Map.entry("projectId", "01930000-0000-7000-8000-00000000e101"),
            Map.entry("nodeName", "hz-n0001"),
            Map.entry("reservationId", "01930000-0000-7000-8000-00000000f001"),
            Map.entry("jobId", "01930000-0000-7000-8000-00000000f101"),
            Map.entry("invoiceId", "01930000-0000-7000-8000-00000000f201"),
            Map.entry("operatorId", "01930000-0000-7000-8000-00000000f301"),
            Map.entry("grantId", "01930000-0000-7000-8000-00000000f401"),
            Map.entry("commitmentId", "01930000-0000-7000-8000-00000000f501"),
            Map.entry("deliveryId", "01930000-0000-7000-8000-00000000f601"),
            Map.entry("quoteId", "01930000-0000-7000-8000-00000000f701"),
            Map.entry("apiClientId", "01930000-0000-7000-8000-00000000f801"),
            Map.entry("creditNoteId", "01930000-0000-7000-8000-00000000f901"),
            Map.entry("arrayId", "01930000-0000-7000-8000-00000000fa01"),
            Map.entry("extensionId", "01930000-0000-7000-8000-00000000fb01"),
            Map.entry("maintenanceId", "01930000-0000-7000-8000-00000000fc01"),
            Map.entry("card", "3"),
            Map.entry("version", "1"),
            Map.entry("period", "2026-10"));

    @Test
    void every_write_route_answers_bad_input_with_a_problem_and_changes_nothing() throws Exception {
        String before = state();
        List<String> failures = new ArrayList<>();
        int routes = 0;
        int requests = 0;
        for (Operation operation : operations("post", "put", "patch")) {
            JsonNode op = operation.op();
            String method = operation.method();
            if (op.path("requestBody").isMissingNode()) {
                continue;
            }
            routes++;
            String url = fill(operation.template());
            String token = url.startsWith("/api/v1/clusters") ? Tokens.olga() : Tokens.admin();
            JsonNode content = op.path("requestBody").path("content");
            for (Map.Entry<String, String[]> bad : badBodies(content).entrySet()) {
                requests++;
                Response r = given().auth().oauth2(token).contentType(bad.getValue()[0]).body(bad.getValue()[1])
                        .request(method.toUpperCase(), url);
                String where = method.toUpperCase() + " " + operation.template() + " with " + bad.getKey();
                if (r.statusCode() == 200 && r.path("results") != null) {
                    // A batch route answers per item: every bad item rejected with its reason, none accepted.
                    if (!Integer.valueOf(0).equals(r.path("accepted"))
                            || !List.of("REJECTED").equals(r.path("results.status.unique()"))) {
                        failures.add(where + ": a bad item was not rejected: " + r.asString());
                    }
                    continue;
                }
                if (r.statusCode() < 400 || r.statusCode() >= 500) {
                    failures.add(where + ": HTTP " + r.statusCode());
                } else if (!String.valueOf(r.contentType()).startsWith("application/problem+json")) {
                    failures.add(where + ": HTTP " + r.statusCode() + " as " + r.contentType());
                } else if (r.path("code") == null || r.path("detail") == null) {
                    failures.add(where + ": problem without code or detail");
                } else if ((bad.getKey().startsWith("numbers") || bad.getKey().equals("wrong types"))
                        && !"INVALID_SIGNATURE".equals(r.path("code")) // Stripe's route checks its signature first
                        && (r.statusCode() != 400
                        || !List.of("VALIDATION_FAILED", "INVALID_FIELD_TYPE").contains(r.path("code").toString())
                        || r.path("errors[0].field") == null)) {
                    // Valid JSON with a number out of a field's range, or a value of the wrong type: a field error
                    // that names the field, so a client can show it beside the field.
                    failures.add(where + ": not a field error: " + r.asString());
                }
            }
            requests++;
            String type = content.has("text/csv") ? "text/csv" : "application/json";
            String[] big = announcedOversized(method, url, token, type);
            if (!big[0].equals("413") || big[1] == null || !big[1].startsWith("application/problem+json")
                    || !"PAYLOAD_TOO_LARGE".equals(JSON.readTree(big[2]).path("code").asText())) {
                failures.add(method.toUpperCase() + " " + operation.template() + " with a body over the size limit: "
                        + "HTTP " + big[0] + " as " + big[1] + ": " + big[2]);
            }
        }
        assertTrue(routes >= 7, "expected every write route of the contract, found " + routes);
        assertTrue(failures.isEmpty(), failures.size() + " of " + requests + " bad requests were mishandled:\n"
                + String.join("\n", failures));
        assertEquals(before, state(), "bad input must change nothing");
    }

    /**
     * Every route of the served contract, with every method, gets hostile parameters and headers: NUL and
     * control characters and invalid UTF-8 in path and query, ids that are UUIDs only to a lenient parser, bad
     * limits, an empty Idempotency-Key, a foreign Host, and (on write routes) NUL, lone surrogates and invalid
     * UTF-8 inside the body. Each must be a 4xx problem (validated against the contract like every response),
     * never a 5xx, no answer may point at the foreign host, and nothing may change.
     */
    @Test
    void every_route_refuses_hostile_characters_ids_limits_and_keys() throws Exception {
        String before = state();
        List<String> failures = new ArrayList<>();
        int requests = 0;
        for (Operation operation : operations("get", "post", "put", "patch", "delete")) {
            JsonNode op = operation.op();
            String method = operation.method();
            String template = operation.template();
            String token = template.startsWith("/api/v1/clusters") ? Tokens.olga() : Tokens.admin();
            JsonNode content = op.path("requestBody").path("content");
            String type = content.has("text/csv") ? "text/csv" : "application/json";
            String validBody = content.has("text/csv") ? content.path("text/csv").path("example").asText()
                    : content.path("application/json").path("example").toString();
            Map<String, Hostile> cases = new LinkedHashMap<>();
            for (JsonNode p : op.path("parameters")) {
                String name = p.path("name").asText();
                if (p.path("in").asText().equals("path")) {
                    cases.put(name + " with a NUL", Hostile.path(name, "a%00b"));
                    cases.put(name + " with a control character", Hostile.path(name, "a%01b"));
                    cases.put(name + " that is not UTF-8", Hostile.path(name, "a%FFb"));
                    if (name.endsWith("Id")) {
                        cases.put(name + " as 1-1-1-1-1", Hostile.path(name, "1-1-1-1-1"));
                        cases.put(name + " with a short last group", Hostile.path(name, "01930000-0000-7000-8000-00000000e01"));
                        cases.put(name + " with braces", Hostile.path(name, "%7B01930000-0000-7000-8000-00000000e001%7D"));
                    }
                }
                if (name.equals("limit")) {
                    for (String bad : List.of("abc", "1.5", "2147483648", "0", "-1")) {
                        cases.put("limit=" + bad, Hostile.query("limit=" + bad));
                    }
                    cases.put("a cursor with a NUL", Hostile.query("cursor=%00"));
                    cases.put("a cursor of another kind", Hostile.query("cursor=bm90LWEtY3Vyc29y"));
                }
                if (name.equals("Idempotency-Key")) {
                    cases.put("an empty Idempotency-Key", Hostile.header("Idempotency-Key", ""));
                }
            }
            cases.put("a NUL in the query", Hostile.query("x=%00"));
            if (!content.isMissingNode() && !content.isEmpty()) {
                if (type.equals("application/json")) {
                    List<String> strings = stringFields(content.path("application/json").path("example"));
                    if (!strings.isEmpty()) {
                        cases.put("a field given twice", Hostile.body(type,
                                validBody.replaceFirst("\\{", "{\"" + strings.get(0) + "\":\"twice\",")));
                    }
                    for (String field : strings) {
                        cases.put(field + " with a NUL", Hostile.body(type, withField(validBody, field, "a\\u0000b")));
                        cases.put(field + " with a lone surrogate", Hostile.body(type, withField(validBody, field, "a\\ud800b")));
                        cases.put(field + " with a control character", Hostile.body(type, withField(validBody, field, "a\\u0007b")));
                        cases.put(field + " as a number", Hostile.body(type, validBody.replaceFirst(
                                "\"" + field + "\":\"[^\"]*\"", "\"" + field + "\":123")));
                    }
                } else {
                    cases.put("a node id with a NUL", Hostile.body(type, validBody.replace("hz-n0001", "hz-\u0000n1")));
                    cases.put("a formula in gpu_model", Hostile.body(type, validBody.replace("ASCEND-910B", "=HYPERLINK(\"x\")")));
                    cases.put("a formula in node_id", Hostile.body(type, validBody.replace("hz-n0001", "@SUM(1)")));
                    cases.put("+cmd in rack", Hostile.body(type, validBody.replace("hz-r001", "+cmd|' /C calc'!A0")));
                }
                byte[] invalidUtf8 = validBody.replaceFirst("[A-Za-z]", "\u0001").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                for (int i = 0; i < invalidUtf8.length; i++) {
                    if (invalidUtf8[i] == 1) {
                        invalidUtf8[i] = (byte) 0xC3; // a lead byte without its continuation
                    }
                }
                cases.put("a body that is not UTF-8", new Hostile(null, null, null, (String[]) null, type, invalidUtf8));
            }
            for (Map.Entry<String, Hostile> c : cases.entrySet()) {
                requests++;
                Hostile h = c.getValue();
                String url = template;
                for (Map.Entry<String, String> v : PATH_VALUES.entrySet()) {
                    url = url.replace("{" + v.getKey() + "}", v.getKey().equals(h.pathParam()) ? h.pathValue() : v.getValue());
                }
                io.restassured.specification.RequestSpecification r = given().auth().oauth2(token)
                        .urlEncodingEnabled(false).header("Host", "evil.example");
                if (h.headerName() != null) {
                    r = r.header(h.headerName(), h.headerValue());
                }
                if (h.body() != null) {
                    r = r.contentType(h.contentType()).body(h.body());
                } else if (!content.isMissingNode() && !content.isEmpty()) {
                    r = r.contentType(type).body(validBody);
                }
                String full = url + (h.query() == null ? "" : "?" + h.query());
                String where = method.toUpperCase() + " " + template + " with " + c.getKey();
                Response resp;
                try {
                    resp = r.request(method.toUpperCase(), full);
                } catch (AssertionError contractBroken) {
                    failures.add(where + ": " + contractBroken.getMessage());
                    continue;
                }
                if (resp.statusCode() < 400 || resp.statusCode() >= 500) {
                    failures.add(where + ": HTTP " + resp.statusCode() + " " + resp.asString());
                } else if (resp.headers().toString().contains("evil.example") || resp.asString().contains("evil.example")) {
                    failures.add(where + ": the answer points at the foreign Host");
                }
            }
        }
        assertTrue(requests > 150, "expected hostile requests on every route, sent " + requests);
        assertTrue(failures.isEmpty(), failures.size() + " of " + requests + " hostile requests were mishandled:\n"
                + String.join("\n", failures));
        assertEquals(before, state(), "hostile input must change nothing");
    }

    /**
     * Every path of the served contract: each method it does not take (HEAD where it takes no GET) gets 405
     * METHOD_NOT_ALLOWED (never 404) with an Allow header of exactly the contract's methods, HEAD beside GET and
     * OPTIONS; OPTIONS answers that list.
     */
    @Test
    void every_path_answers_a_method_it_does_not_take_with_405_and_the_contracts_methods() throws Exception {
        java.util.Map<String, java.util.TreeSet<String>> methods = new java.util.TreeMap<>();
        for (Operation o : operations("get", "post", "put", "patch", "delete")) {
            methods.computeIfAbsent(o.template(), t -> new java.util.TreeSet<>()).add(o.method().toUpperCase());
        }
        List<String> failures = new ArrayList<>();
        int requests = 0;
        for (Map.Entry<String, java.util.TreeSet<String>> e : methods.entrySet()) {
            java.util.TreeSet<String> allow = new java.util.TreeSet<>(e.getValue());
            if (allow.contains("GET")) {
                allow.add("HEAD");
            }
            allow.add("OPTIONS");
            String expected = String.join(", ", allow);
            String url = fill(e.getKey());
            String token = url.startsWith("/api/v1/clusters") ? Tokens.olga() : Tokens.admin();
            for (String m : List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
                if (allow.contains(m) && !m.equals("OPTIONS")) {
                    continue;
                }
                requests++;
                Response r = given().auth().oauth2(token).request(m, url);
                int want = m.equals("OPTIONS") ? 204 : 405;
                if (r.statusCode() != want || !expected.equals(r.header("Allow"))) {
                    failures.add(m + " " + e.getKey() + ": HTTP " + r.statusCode() + ", Allow " + r.header("Allow")
                            + " (expected " + want + ", Allow " + expected + ")");
                } else if (want == 405 && !m.equals("HEAD")  // an answer to HEAD has no body
                        && !"METHOD_NOT_ALLOWED".equals(r.jsonPath().getString("code"))) {
                    failures.add(m + " " + e.getKey() + ": " + r.asString());
                }
            }
        }
        assertTrue(requests > 150, "the contract's paths were swept: " + requests);
        assertTrue(failures.isEmpty(), failures.size() + " of " + requests + ":\n" + String.join("\n", failures));
    }

    @Test
    void a_field_given_twice_is_refused_with_its_name_and_nothing_is_created() {
        List<Object> jobs = given().auth().oauth2(Tokens.alice()).get("/api/v1/jobs?limit=500").jsonPath().getList("items.id");
        given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .body("{\"projectId\":\"01930000-0000-7000-8000-00000000e101\",\"clusterId\":\""
                        + DemoData.HANGZHOU_CLUSTER + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\","
                        + "\"maxRunSeconds\":60,\"cards\":64}")
                .post("/api/v1/jobs").then().statusCode(400)
                .body("code", equalTo("DUPLICATE_FIELD"))
                .body("errors[0].field", equalTo("cards"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"dup-nested\",\"name\":\"x\",\"description\":\"y\",\"description\":\"z\"}")
                .post("/api/v1/tenants/" + DemoData.ACME + "/projects").then().statusCode(400)
                .body("code", equalTo("DUPLICATE_FIELD"))
                .body("errors[0].field", equalTo("description"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"amount\":{\"amountMinor\":100,\"currency\":\"CNY\",\"currency\":\"USD\"},\"reason\":\"x\"}")
                .post("/api/v1/tenants/" + DemoData.ACME + "/credits").then().statusCode(400)
                .body("code", equalTo("DUPLICATE_FIELD"))
                .body("errors[0].field", equalTo("amount.currency"));
        assertEquals(jobs, given().auth().oauth2(Tokens.alice()).get("/api/v1/jobs?limit=500").jsonPath().getList("items.id"),
                "nothing submitted");
    }

    @Test
    void options_lists_the_methods_of_the_path_itself_the_same_list_a_405_carries() {
        String tenant = "/api/v1/tenants/" + DemoData.ACME;
        given().auth().oauth2(Tokens.alice()).options("/api/v1/jobs").then().statusCode(204)
                .header("Allow", "GET, HEAD, OPTIONS, POST");
        given().auth().oauth2(Tokens.alice()).options(tenant + "/webhook/test").then().statusCode(204)
                .header("Allow", "OPTIONS, POST");
        given().auth().oauth2(Tokens.alice()).get(tenant + "/webhook/test").then().statusCode(405)
                .header("Allow", "OPTIONS, POST");
        given().auth().oauth2(Tokens.alice()).options(tenant + "/webhook").then().statusCode(204)
                .header("Allow", "DELETE, GET, HEAD, OPTIONS, PUT");
        given().auth().oauth2(Tokens.alice()).options("/api/v1/no-such-route").then().statusCode(404)
                .body("code", org.hamcrest.Matchers.equalTo("NOT_FOUND"));
    }

    @Test
    void the_edge_answers_each_kind_of_unreadable_request_with_its_documented_code() {
        String projects = "/api/v1/tenants/" + DemoData.ACME + "/projects";
        given().auth().oauth2(Tokens.alice()).contentType("application/json").body("{\"slug\": ").post(projects)
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("MALFORMED_JSON"));
        given().auth().oauth2(Tokens.alice()).contentType("text/plain").body("slug=x").post(projects)
                .then().statusCode(415).body("code", org.hamcrest.Matchers.equalTo("UNSUPPORTED_MEDIA_TYPE"));
        given().auth().oauth2(Tokens.alice()).accept("text/csv").get("/api/v1/me")
                .then().statusCode(406).body("code", org.hamcrest.Matchers.equalTo("NOT_ACCEPTABLE"));
        given().auth().oauth2(Tokens.alice()).patch("/api/v1/me").then().statusCode(405)
                .header("Allow", "GET, HEAD, OPTIONS")
                .body("code", org.hamcrest.Matchers.equalTo("METHOD_NOT_ALLOWED"));
        given().auth().oauth2(Tokens.alice()).queryParam("limit", "9".repeat(9000)).get(projects)
                .then().statusCode(414).contentType("application/problem+json")
                .body("code", org.hamcrest.Matchers.equalTo("URI_TOO_LONG"));
        given().auth().oauth2(Tokens.alice()).get("/api/v1/no-such-route").then().statusCode(404)
                .contentType("application/problem+json").body("code", org.hamcrest.Matchers.equalTo("NOT_FOUND"));
        // A whole body of 17 MiB, sent as any client sends it (every write route is sent the announcement of one).
        given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .body("{\"slug\":\"" + "x".repeat(17 * 1024 * 1024) + "\"}").post(projects).then().statusCode(413)
                .contentType("application/problem+json")
                .body("code", org.hamcrest.Matchers.equalTo("PAYLOAD_TOO_LARGE"));
    }

    /**
     * Every operation of the served contract refuses a query parameter it does not take (a misspelt filter would
     * otherwise answer the unfiltered data) and a parameter it takes given twice, naming the parameter, and changes
     * nothing. A write route is sent its valid example body, so only the query is wrong.
     */
    @Test
    void every_operation_refuses_query_parameters_it_does_not_take_or_that_are_repeated() throws Exception {
        String before = state();
        List<String> failures = new ArrayList<>();
        List<Operation> operations = operations("get", "post", "put", "patch", "delete");
        int repeated = 0;
        for (Operation operation : operations) {
            JsonNode op = operation.op();
            String method = operation.method();
            String url = fill(operation.template());
            String token = url.startsWith("/api/v1/clusters") ? Tokens.olga() : Tokens.admin();
            JsonNode content = op.path("requestBody").path("content");
            List<String> queries = new ArrayList<>(List.of("unexpectedParameter=1"));
            for (JsonNode p : op.path("parameters")) {
                if (p.path("in").asText().equals("query")) {
                    String name = p.path("name").asText();
                    // a near miss of a real name is unknown too: names are case-sensitive
                    queries.add(name.toLowerCase().equals(name) ? name.toUpperCase() + "=1" : name.toLowerCase() + "=1");
                    if (!p.path("schema").path("type").asText().equals("array")) {  // an array takes several
                        queries.add(name + "=1&" + name + "=2");
                        repeated++;
                    }
                }
            }
            for (String query : queries) {
                io.restassured.specification.RequestSpecification r = given().auth().oauth2(token).urlEncodingEnabled(false);
                if (content.has("application/json")) {
                    r = r.contentType("application/json").body(content.path("application/json").path("example").toString());
                } else if (content.has("text/csv")) {
                    r = r.contentType("text/csv").body(content.path("text/csv").path("example").asText());
                }
                Response resp = r.request(method.toUpperCase(), url + "?" + query);
                String name = query.substring(0, query.indexOf('='));
                String code = query.contains("&") ? "REPEATED_QUERY_PARAMETER" : "UNKNOWN_QUERY_PARAMETER";
                if (resp.statusCode() != 400 || !code.equals(resp.path("code"))
                        || !name.equals(resp.path("errors[0].field"))) {
                    failures.add(method.toUpperCase() + " " + operation.template() + "?" + query + ": HTTP "
                            + resp.statusCode() + " " + resp.asString());
                }
            }
        }
        assertTrue(operations.size() >= 40, "expected every operation of the contract, found " + operations.size());
        assertTrue(repeated >= 14, "expected the query parameters of the contract, found " + repeated);
        assertTrue(failures.isEmpty(), failures.size() + " requests were not refused as they should be:\n"
                + String.join("\n", failures));
        assertEquals(before, state(), "a refused query must change nothing");
        // Who is asking comes first: an anonymous caller learns nothing about the operation's parameters.
        given().get("/api/v1/me?unexpectedParameter=1").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
        // The query is checked before the tenant is: the same 400 for another tenant's id as for one that does not
        // exist, so the answer tells nothing about the tenant.
        String foreign = given().auth().oauth2(Tokens.bob()).get("/api/v1/tenants/" + DemoData.ACME
                + "/members?unexpectedParameter=1").then().statusCode(400).extract().path("detail");
        String none = given().auth().oauth2(Tokens.bob()).get("/api/v1/tenants/" + UUID.randomUUID()
                + "/members?unexpectedParameter=1").then().statusCode(400).extract().path("detail");
        assertEquals(none, foreign);
        // The detail says what the operation takes, so the client can correct itself.
        given().auth().oauth2(Tokens.alice()).get("/api/v1/usage?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&projectid=x")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.equalTo(
                        "Query parameter 'projectid' is not taken here; it takes from, to, groupBy, tagKey, tenantId, "
                        + "projectId, clusterId"));
    }

    /**
     * Every value the served contract lists for a query parameter (an enum) is taken: a client generated from the
     * contract may send any of them. (The other way round, a value the contract does not list is refused: the unit
     * test of each filter, e.g. `listJobs?state=PREEMPTED` in JobsTest.)
     */
    @Test
    void every_value_the_contract_lists_for_a_query_parameter_is_taken() throws Exception {
        Map<String, String> required = Map.of("from", "2026-11-01T00:00:00Z", "to", "2026-12-01T00:00:00Z",
                "currency", "CNY", "period", "2026-10");
        // A value that takes a companion parameter (the contract says which) is sent with it.
        Map<String, String> companions = Map.of("groupBy=tag", "&tagKey=team");
        List<String> failures = new ArrayList<>();
        int values = 0;
        for (Operation operation : operations("get")) {
            // An operator's routes are asked of the demo operator, by its own operator (olga).
            String url = fill(operation.template().replace("{operatorId}", DemoData.HANGZHOU.toString()));
            String token = url.startsWith("/api/v1/clusters") || url.startsWith("/api/v1/operators/") ? Tokens.olga()
                    : url.startsWith("/api/v1/billing/") ? Tokens.admin() : Tokens.alice();
            StringBuilder base = new StringBuilder();
            List<JsonNode> enums = new ArrayList<>();
            for (JsonNode p : operation.op().path("parameters")) {
                if (!p.path("in").asText().equals("query")) {
                    continue;
                }
                if (p.path("required").asBoolean()) {
                    base.append(base.isEmpty() ? "" : "&").append(p.path("name").asText()).append('=')
                            .append(required.get(p.path("name").asText()));
                }
                if (p.path("schema").has("enum")) {
                    enums.add(p);
                }
            }
            for (JsonNode p : enums) {
                for (JsonNode value : p.path("schema").path("enum")) {
                    values++;
                    String pair = p.path("name").asText() + "=" + value.asText();
                    String query = (base.isEmpty() ? "" : base + "&") + pair + companions.getOrDefault(pair, "");
                    Response resp = given().auth().oauth2(token).get(url + "?" + query);
                    if (resp.statusCode() != 200) {
                        failures.add("GET " + operation.template() + "?" + query + ": HTTP " + resp.statusCode() + " "
                                + resp.asString());
                    }
                }
            }
        }
        assertTrue(values >= 30, "expected the enum values of the contract's query parameters, found " + values);
        assertTrue(failures.isEmpty(), failures.size() + " listed values were not taken:\n" + String.join("\n", failures));
    }

    /** One operation of the served contract: its path template, its HTTP method (lower case) and its description. */
    record Operation(String template, String method, JsonNode op) {}

    /** The operations of the served contract with one of these methods, read from {@code /q/openapi}. */
    static List<Operation> operations(String... methods) throws Exception {
        JsonNode contract = JSON.readTree(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = contract.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (String method : methods) {
                if (!path.getValue().path(method).isMissingNode()) {
                    operations.add(new Operation(path.getKey(), method, path.getValue().path(method)));
                }
            }
        }
        return operations;
    }

    /** One hostile variation of a request; null parts are left as in a valid request. */
    record Hostile(String pathParam, String pathValue, String query, String[] header, String contentType, byte[] body) {
        static Hostile path(String param, String value) {
            return new Hostile(param, value, null, (String[]) null, null, null);
        }

        static Hostile query(String query) {
            return new Hostile(null, null, query, (String[]) null, null, null);
        }

        static Hostile header(String name, String value) {
            return new Hostile(null, null, null, new String[] {name, value}, null, null);
        }

        static Hostile body(String contentType, String body) {
            return new Hostile(null, null, null, (String[]) null, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        String headerName() {
            return header == null ? null : header[0];
        }

        String headerValue() {
            return header == null ? null : header[1];
        }
    }

    static List<String> stringFields(JsonNode example) {
        List<String> fields = new ArrayList<>();
        example.fields().forEachRemaining(f -> {
            if (f.getValue().isTextual()) {
                fields.add(f.getKey());
            }
        });
        return fields;
    }

    /** The body with one string field's value replaced by raw JSON string content (escapes kept as written). */
    static String withField(String body, String field, String rawJsonContent) {
        return body.replaceFirst("\"" + field + "\":\"[^\"]*\"",
                java.util.regex.Matcher.quoteReplacement("\"" + field + "\":\"" + rawJsonContent + "\""));
    }

    /** Bad bodies for the route: name → {content type, body}. */
    /**
     * A client that announces a body over the size limit (Content-Length 17 MiB) and sends only its first bytes,
     * over a socket of its own: the edge must answer 413 from the headers alone, without waiting for the body. (A
     * whole 17 MiB body is sent once, in the edge test; sent to each route it cost a minute and proved no more.)
     * Returns the status, the content type and the body of the answer.
     */
    static String[] announcedOversized(String method, String url, String token, String contentType)
            throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(30_000);  // an edge that waited for the 17 MiB would time out here
            String head = method.toUpperCase() + " " + url + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + token + "\r\nContent-Type: " + contentType + "\r\n"
                    + "Content-Length: " + (17 * 1024 * 1024) + "\r\nAccept: application/json\r\n\r\n{\"name\":\"xxxx";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                    socket.getInputStream()));
            String status = line(in);
            String type = null;
            int length = -1;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                String name = header.substring(0, header.indexOf(':')).strip().toLowerCase();
                String value = header.substring(header.indexOf(':') + 1).strip();
                if (name.equals("content-type")) {
                    type = value;
                } else if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            return new String[] {status.split(" ")[1], type, new String(body, java.nio.charset.StandardCharsets.UTF_8)};
        }
    }

    /** One CRLF-ended line of an HTTP head. */
    private static String line(java.io.InputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new java.io.EOFException("the connection closed inside the answer's head: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    static Map<String, String[]> badBodies(JsonNode content) throws Exception {
        Map<String, String[]> bodies = new LinkedHashMap<>();
        if (content.has("text/csv")) {
            bodies.put("a file that is not CSV", new String[] {"text/csv", "\u0000\u0001garbage"});
            bodies.put("a header without nodes", new String[] {"text/csv",
                    "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n"});
            bodies.put("rows with the wrong number of fields", new String[] {"text/csv",
                    "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\nn1,H800\n"});
            bodies.put("an empty body", new String[] {"text/csv", ""});
            bodies.put("JSON instead of CSV", new String[] {"application/json", "{\"node_id\":\"n1\"}"});
            return bodies;
        }
        JsonNode example = content.path("application/json").path("example");
        bodies.put("malformed JSON", new String[] {"application/json", "{\"slug\": "});
        bodies.put("wrong types", new String[] {"application/json", JSON.writeValueAsString(wrongTypes(example))});
        ObjectNode unknown = example.isObject() ? ((ObjectNode) example.deepCopy()) : JSON.createObjectNode();
        unknown.put("unexpectedField", 1);
        bodies.put("an unknown field", new String[] {"application/json", JSON.writeValueAsString(unknown)});
        String huge = example.toString().replaceAll("(\"[A-Za-z]+\":)-?[0-9][0-9.]*", "$1123456789012345678901234567890");
        if (example.isObject() && !huge.equals(example.toString())) {
            // Valid JSON whose numbers overflow every integer and decimal column, or fall below zero: a field error.
            // (Only for a body with numbers: a time's "08:00" is none.)
            bodies.put("numbers too large", new String[] {"application/json", huge});
            String negative = example.toString().replaceAll("(\"[A-Za-z]+\":)-?[0-9][0-9.]*", "$1-1");
            bodies.put("numbers below zero", new String[] {"application/json", negative});
        }
        bodies.put("an empty body", new String[] {"application/json", ""});
        bodies.put("an empty object", new String[] {"application/json", "{}"});
        bodies.put("null", new String[] {"application/json", "null"});
        bodies.put("an array", new String[] {"application/json", "[]"});
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
                + given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/capacity").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/prices").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/quotas").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/reservations?limit=500").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/jobs?limit=500").jsonPath().getList("items.id")
                + given().auth().oauth2(Tokens.bob()).get("/api/v1/jobs?limit=500").jsonPath().getList("items.id")
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/alerts?limit=500").asString()
                + given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/webhook").asString()
                        .replaceAll("\"requestId\":\"[^\"]*\"", "")  // a 404 problem names its own request
                + given().auth().oauth2(Tokens.admin()).get("/api/v1/billing/periods/2026-10").asString()
                + given().auth().oauth2(Tokens.admin()).get("/api/v1/usage?from=2026-01-01T00:00:00Z"
                        + "&to=2027-01-01T00:00:00Z&groupBy=cluster").jsonPath().getList("lines.eventCount");
    }
}
