package city.myriad.support;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Checks every response the test suites receive from {@code /api/} against the served contract, in every
 * status: the route and method are declared, the status is declared for the operation, the content type is
 * declared for that status, the body validates against its schema (JSON Schema 2020-12 with the OpenAPI 3.1
 * dialect: nulls, types, enums, required fields, bounds), and a problem's {@code code} is one the operation
 * declares for that status. Any mismatch fails the test that received the response.
 *
 * <p>Installed once for every test class by {@link ContractValidationExtension}; tests never call it.
 */
public final class ContractValidation implements Filter {

    static final String CONTRACT_URI = "https://myriad.city/contract/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode contract;
    private final SchemaRegistry schemas;
    private final Map<JsonNode, Schema> compiled = new java.util.IdentityHashMap<>();

    public ContractValidation(String contractJson) {
        // The contract's schemas become $defs, which JSON Schema knows, so that each response schema can carry them.
        this.contract = JSON.readTree(contractJson.replace("\"#/components/schemas/", "\"#/$defs/"));
        this.schemas = SchemaRegistry.withDialect(Dialects.getOpenApi31());
    }

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification responseSpec,
            FilterContext context) {
        Response response = context.next(request, responseSpec);
        String path = URI.create(request.getURI()).getRawPath();
        if (path != null && path.startsWith("/api/")) {
            List<String> problems = check(request.getMethod(), path, response.statusCode(), response.contentType(),
                    response.asString());
            if (response.statusCode() == 304 || (response.contentType() != null
                    && response.contentType().startsWith("application/json"))) {
                problems.addAll(checkHeaders(request.getMethod(), path, response.statusCode(), response::header));
            }
            problems.addAll(checkRequestId(response.contentType(), response.asString(), response::header));
            if (!problems.isEmpty()) {
                throw new AssertionError("The response to " + request.getMethod() + " " + path + " (HTTP "
                        + response.statusCode() + ") breaks the contract:\n  " + String.join("\n  ", problems)
                        + "\nbody: " + abbreviate(response.asString()));
            }
        }
        return response;
    }

    /**
     * The headers a success must carry: where the contract declares an {@code ETag} for a 200 or 304 (every JSON
     * GET), a JSON answer or a 304 has one (the conditional GET of every route, checked by every test that reads
     * one; the filter leaves CSV and HTML answers alone).
     */
    public List<String> checkHeaders(String method, String path, int status,
            java.util.function.Function<String, String> header) {
        List<String> problems = new ArrayList<>();
        String template = template(path);
        if (template == null || (status != 200 && status != 304)) {
            return problems;
        }
        String name = "HEAD".equals(method) ? "get" : method.toLowerCase();
        JsonNode declared = contract.path("paths").path(template).path(name).path("responses")
                .path(String.valueOf(status)).path("headers");
        if (declared.has("ETag")) {
            String tag = header.apply("ETag");
            if (tag == null || !tag.matches("\"[A-Za-z0-9_-]+\"")) {
                problems.add("no strong ETag on HTTP " + status + " where the contract declares one (got " + tag + ")");
            }
        }
        return problems;
    }

    /**
     * Every answer names its request in {@code X-Request-Id}, and a problem repeats the same id as {@code requestId}
     * (RequestIds): checked on every response of every test.
     */
    public List<String> checkRequestId(String contentType, String body,
            java.util.function.Function<String, String> header) {
        List<String> problems = new ArrayList<>();
        String id = header.apply("X-Request-Id");
        if (id == null || id.isEmpty()) {
            problems.add("no X-Request-Id");
        } else if (contentType != null && contentType.startsWith("application/problem+json") && body != null
                && !body.isEmpty()  // HEAD: no body
                && !id.equals(JSON.readTree(body).path("requestId").asString())) {
            problems.add("the problem's requestId is not the X-Request-Id " + id);
        }
        return problems;
    }

    /** What is wrong with a response, by the contract; empty when nothing is. */
    public List<String> check(String method, String path, int status, String contentType, String body) {
        List<String> problems = new ArrayList<>();
        if ("HEAD".equals(method)) {
            return problems;  // HTTP's own method: the answer to GET without its body, nothing to validate
        }
        if ("OPTIONS".equals(method) && status == 204) {
            // HTTP's own method, not an operation of the contract: the Allow header and no body.
            if (body != null && !body.isEmpty()) {
                problems.add("a body on the answer to OPTIONS");
            }
            return problems;
        }
        String template = template(path);
        JsonNode operation = template == null ? null
                : contract.path("paths").path(template).path(method.toLowerCase());
        String mediaType = contentType == null || contentType.isBlank() ? null : contentType.split(";")[0].strip();
        if (operation == null || operation.isMissingNode()) {
            // No such operation: only the edge's own problems (404 no route, 405 wrong method, 414) may come back.
            if (status != 404 && status != 405 && status != 414 && status != 400) {
                problems.add("no operation " + method + " " + path + " in the contract, yet HTTP " + status);
            }
            if (!"application/problem+json".equals(mediaType)) {
                problems.add("an error without a problem+json body (" + mediaType + ")");
            } else {
                validate(contract.path("components").path("schemas").path("Problem"), body, problems);
            }
            return problems;
        }
        JsonNode response = operation.path("responses").path(String.valueOf(status));
        if (response.isMissingNode()) {
            problems.add("HTTP " + status + " is not a declared response of " + operation.path("operationId").asString());
            return problems;
        }
        JsonNode content = response.path("content");
        if (body == null || body.isEmpty()) {
            if (!content.isMissingNode() && !content.isEmpty() && status != 204) {
                problems.add("an empty body where the contract declares " + content.propertyNames());
            }
            return problems;
        }
        if (mediaType == null || content.path(mediaType).isMissingNode()) {
            problems.add("content type " + mediaType + " is not declared for HTTP " + status + " (declared: "
                    + content.propertyNames() + ")");
            return problems;
        }
        if (!mediaType.endsWith("json")) {
            return problems; // text/html, text/csv: declared, and not JSON to hold to a schema
        }
        validate(content.path(mediaType).path("schema"), body, problems);
        if (mediaType.equals("application/problem+json")) {
            JsonNode codes = response.path("x-problem-codes");
            String code = JSON.readTree(body).path("code").asString();
            boolean declared = false;
            for (JsonNode c : codes) {
                declared |= c.asString().equals(code);
            }
            if (!declared) {
                problems.add("problem code " + code + " is not one " + operation.path("operationId").asString()
                        + " declares for HTTP " + status + " " + codes);
            }
        }
        return problems;
    }

    /** Validates against a schema of the contract; its $refs resolve within the contract document. */
    private synchronized void validate(JsonNode schemaNode, String body, List<String> problems) {
        if (schemaNode.isMissingNode()) {
            return;
        }
        Schema schema = compiled.computeIfAbsent(schemaNode, node -> {
            // The schema with the contract's schemas beside it, so that its refs resolve.
            tools.jackson.databind.node.ObjectNode document = ((tools.jackson.databind.node.ObjectNode) node).deepCopy();
            document.set("$defs", contract.path("components").path("schemas"));
            return schemas.getSchema(SchemaLocation.of(CONTRACT_URI + "/schema-" + compiled.size()), document);
        });
        for (Error e : schema.validate(body, InputFormat.JSON)) {
            problems.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
    }

    /** The contract's path template that the request path matches, the most specific one; null if none. */
    String template(String path) {
        String best = null;
        int bestParams = Integer.MAX_VALUE;
        for (Iterator<String> it = contract.path("paths").propertyNames().iterator(); it.hasNext(); ) {
            String t = it.next();
            String[] ts = t.split("/", -1);
            String[] ps = path.split("/", -1);
            if (ts.length != ps.length) {
                continue;
            }
            int params = 0;
            boolean match = true;
            for (int i = 0; i < ts.length && match; i++) {
                if (ts[i].startsWith("{") && ts[i].endsWith("}")) {
                    params++;
                    match = !ps[i].isEmpty();
                } else {
                    match = ts[i].equals(ps[i]);
                }
            }
            if (match && params < bestParams) {
                best = t;
                bestParams = params;
            }
        }
        return best;
    }

    private static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "…" : s;
    }
}
