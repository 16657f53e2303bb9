package city.myriad.platform.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Completes the generated contract with what every operation shares, so that resources stay thin and the
 * contract stays uniform: the problem+json error responses with their stable codes, the bearer security scheme,
 * the Idempotency-Key and paging parameters' documentation, tag descriptions, and an example for every success
 * response built from the examples of its schema. {@code openapi/myriad.yaml} is this output, committed.
 */
public class ContractFilter implements OASFilter {

    static final String PROBLEM = "application/problem+json";
    static final String PROBLEM_REF = "#/components/schemas/Problem";

    /** Error responses every operation may give, by status: description and an example code. */
    static final Map<String, String[]> ERRORS = new LinkedHashMap<>();

    static {
        ERRORS.put("400", new String[] {"Invalid request: malformed JSON, a wrong type, an unknown field, or a value that breaks a rule", "VALIDATION_FAILED"});
        ERRORS.put("401", new String[] {"No valid bearer token", "UNAUTHENTICATED"});
        ERRORS.put("403", new String[] {"The caller's roles do not allow this", "FORBIDDEN"});
        ERRORS.put("404", new String[] {"Not found, or not visible to the caller (another tenant's data is never revealed)", "NOT_FOUND"});
        ERRORS.put("409", new String[] {"Conflicts with the current state (a taken slug, a reused Idempotency-Key)", "IDEMPOTENCY_KEY_REUSED"});
        ERRORS.put("413", new String[] {"The body is larger than the limit (16 MiB)", "PAYLOAD_TOO_LARGE"});
        ERRORS.put("415", new String[] {"The body's content type is not the one this operation takes", "UNSUPPORTED_MEDIA_TYPE"});
        ERRORS.put("502", new String[] {"The identity provider failed; nothing was changed, retry later", "IDENTITY_PROVIDER_FAILED"});
        ERRORS.put("503", new String[] {"The identity provider cannot be reached to verify the token; retry shortly", "IDENTITY_PROVIDER_UNAVAILABLE"});
    }

    /** The titles ProblemMapper gives each status. */
    static final Map<String, String> TITLES = Map.of("400", "Invalid request", "401", "Unauthorized",
            "403", "Forbidden", "404", "Not found", "409", "Conflict", "413", "Request Entity Too Large",
            "415", "Unsupported Media Type", "502", "Upstream failure", "503", "Service unavailable");

    static final Map<String, String> TAGS = Map.of(
            "identity", "Who the caller is",
            "tenancy", "Tenants, their projects and members",
            "catalog", "Operators, clusters, their inventory and capacity");

    @Override
    public void filterOpenAPI(OpenAPI api) {
        api.getInfo().description("""
                The Myriad marketplace API: tenants buy and use slices of city-run AI clusters; operators register \
                their clusters. All routes take an OIDC bearer token from the Keycloak realm `myriad`. Errors are \
                RFC 9457 problem details with a stable `code`; lists are cursor-paged; creating POSTs accept an \
                `Idempotency-Key`.""");
        api.getInfo().license(OASFactory.createLicense().name("Proprietary").url("https://myriad.city/terms"))
                .contact(OASFactory.createContact().name("Myriad platform team").email("platform@myriad.city"));
        api.setServers(List.of(OASFactory.createServer().url("http://localhost:8080").description("Local dev start (bin/myriad-dev)")));
        api.setTags(new java.util.ArrayList<>(new TreeMap<>(TAGS).entrySet().stream()
                .map(t -> OASFactory.createTag().name(t.getKey()).description(t.getValue())).toList()));
        api.getComponents().addSchema("Problem", problemSchema());
        api.getComponents().setSecuritySchemes(Map.of("bearer", OASFactory.createSecurityScheme()
                .type(org.eclipse.microprofile.openapi.models.security.SecurityScheme.Type.HTTP)
                .scheme("bearer").bearerFormat("JWT")
                .description("An access token from the Keycloak realm `myriad` (audience `myriad-api`)")));
        api.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme("bearer")));
        if (api.getPaths() == null) {
            return;
        }
        for (PathItem path : api.getPaths().getPathItems().values()) {
            path.getOperations().forEach((method, op) -> complete(api, method, op));
        }
    }

    private void complete(OpenAPI api, PathItem.HttpMethod method, Operation op) {
        op.setSecurity(null);
        boolean hasBody = op.getRequestBody() != null;
        APIResponses responses = op.getResponses();
        for (Map.Entry<String, String[]> e : ERRORS.entrySet()) {
            String status = e.getKey();
            boolean applies = switch (status) {
                case "400" -> hasBody || op.getParameters() != null && !op.getParameters().isEmpty();
                case "409" -> method == PathItem.HttpMethod.POST || method == PathItem.HttpMethod.PUT
                        || method == PathItem.HttpMethod.DELETE;
                case "413", "415" -> hasBody;
                case "502" -> op.getOperationId() != null && List.of("createTenant", "addMember", "setMemberRoles",
                        "removeMember").contains(op.getOperationId());
                case "404" -> true;
                default -> true;
            };
            if (applies) {
                responses.addAPIResponse(status, problem(status, e.getValue()[0], e.getValue()[1]));
            }
        }
        if (op.getParameters() != null) {
            for (Parameter p : op.getParameters()) {
                describe(p);
            }
        }
        responses.getAPIResponses().forEach((status, response) -> {
            if (status.startsWith("2") && response.getContent() != null) {
                MediaType json = response.getContent().getMediaType("application/json");
                if (json != null && json.getSchema() != null && json.getExample() == null) {
                    json.setExample(Examples.of(api, json.getSchema(), 0));
                }
            }
        });
        if (hasBody && op.getRequestBody().getContent() != null) {
            MediaType json = op.getRequestBody().getContent().getMediaType("application/json");
            if (json != null && json.getSchema() != null && json.getExample() == null) {
                json.setExample(Examples.of(api, json.getSchema(), 0));
            }
        }
    }

    private static void describe(Parameter p) {
        switch (p.getName()) {
            case "Idempotency-Key" -> p.description("Makes the creation safe to retry: the same key with the same body "
                    + "returns the first response (with `Idempotent-Replayed: true`); with another body, 409.")
                    .example("7f3c2a9e-1b0d-4c55-9a61-3d2f0c8e4b10");
            case "cursor" -> p.description("The `nextCursor` of the previous page; omit for the first page")
                    .example("MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDBlMTAx");
            case "limit" -> p.description("Items per page, 1 to 500 (default 50)").example(50);
            default -> {
                if (p.getExample() == null && p.getName().endsWith("Id")) {
                    p.example("01930000-0000-7000-8000-00000000e001");
                } else if (p.getExample() == null && p.getName().equals("nodeName")) {
                    p.example("hz-n0001");
                }
            }
        }
    }

    private static APIResponse problem(String status, String description, String code) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("type", "https://myriad.city/problems/" + code.toLowerCase().replace('_', '-'));
        example.put("title", TITLES.get(status));
        example.put("status", Integer.parseInt(status));
        example.put("detail", description);
        example.put("code", code);
        example.put("instance", "/api/v1/...");
        MediaType media = OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref(PROBLEM_REF))
                .example(example);
        Content content = OASFactory.createContent().addMediaType(PROBLEM, media);
        return OASFactory.createAPIResponse().description(description).content(content);
    }

    private static Schema problemSchema() {
        Schema violation = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("Where an input broke a rule")
                .addProperty("row", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)
                        .description("1-based line of a CSV body; absent for JSON").addExample(3))
                .addProperty("field", OASFactory.createSchema().addType(Schema.SchemaType.STRING).addExample("gpus"))
                .addProperty("reason", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("must be a whole number, got 'eight'"));
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details, with Myriad's stable `code`")
                .addRequired("type").addRequired("title").addRequired("status").addRequired("code")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri")
                        .addExample("https://myriad.city/problems/validation-failed"))
                .addProperty("title", OASFactory.createSchema().addType(Schema.SchemaType.STRING).addExample("Invalid request"))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).addExample(400))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("slug: 3-40 characters: lower-case letters, digits and '-', starting with a letter"))
                .addProperty("code", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("Stable machine-readable code; clients branch on it").addExample("VALIDATION_FAILED"))
                .addProperty("instance", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("/api/v1/tenants"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(violation));
    }
}
