package city.myriad.platform.openapi;

import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.examples.Example;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Completes the generated contract with what every operation shares, so that resources stay thin and the
 * contract stays uniform and true:
 * <ul>
 * <li>the error responses of each operation, one per status, listing exactly the {@link ProblemCode}s the
 * operation can answer with: the ones the edge gives every operation of its kind (a body, an id, paging, an
 * Idempotency-Key), plus the domain codes its resource method declares in {@code x-problem-codes};</li>
 * <li>the {@code ProblemCode} enum, the {@code Problem} and {@code ProblemViolation} schemas, named enums for
 * tenant status and roles;</li>
 * <li>path parameters in URL order, the paging parameters' bounds, the response headers ({@code Location},
 * {@code Idempotent-Replayed}, {@code Retry-After}, {@code WWW-Authenticate});</li>
 * <li>servers, tags, the bearer scheme, and an example for every body built from its schema.</li>
 * </ul>
 * {@code openapi/myriad.yaml} is this output, committed.
 */
public class ContractFilter implements OASFilter {

    static final String PROBLEM = "application/problem+json";
    static final String PROBLEM_REF = "#/components/schemas/Problem";
    /** The extension a resource method lists its domain codes in; consumed here, never served. */
    public static final String CODES_EXTENSION = "x-problem-codes";

    static final Map<String, String> TAGS = Map.of(
            "identity", "Who the caller is",
            "tenancy", "Tenants, their projects and members",
            "catalog", "Operators, clusters, their inventory and capacity",
            "market", "Price books, offers, quotes and reservations",
            "quota", "Card limits, budgets and GPU-hour limits of tenants and projects",
            "jobs", "Jobs, their runs on the cards, and the cluster agents' side: assignments and events",
            "metering", "Usage events, hourly usage, reconciliation, alerts and webhooks",
            "billing", "Billing periods and their close, invoices, the ledger's balances, prepaid credit, "
                    + "commitments, operator settlements, FOCUS exports and Stripe's webhooks");

    /** GETs whose answer is streamed as it is produced: not tagged (ConditionalGet tags a body it holds whole). */
    static final Set<String> STREAMED = Set.of("exportFocus");

    /** Operations without a bearer token: Stripe signs its webhooks instead. */
    static final Set<String> PUBLIC = Set.of("receiveStripeWebhook");

    /** Codes every authenticated operation can answer with, whatever it does (any URL can carry a bad query). */
    static final Set<ProblemCode> EVERY_OPERATION = EnumSet.of(ProblemCode.UNAUTHENTICATED, ProblemCode.INVALID_CHARACTER,
            ProblemCode.NOT_ACCEPTABLE, ProblemCode.URI_TOO_LONG, ProblemCode.INTERNAL,
            ProblemCode.IDENTITY_PROVIDER_UNAVAILABLE, ProblemCode.UNKNOWN_QUERY_PARAMETER,
            ProblemCode.REPEATED_QUERY_PARAMETER, ProblemCode.RATE_LIMITED);
    /** Codes of an operation that takes a JSON body. */
    static final Set<ProblemCode> JSON_BODY = EnumSet.of(ProblemCode.MALFORMED_JSON, ProblemCode.UNKNOWN_FIELD,
            ProblemCode.DUPLICATE_FIELD,
            ProblemCode.INVALID_FIELD_TYPE, ProblemCode.INVALID_CHARACTER, ProblemCode.VALIDATION_FAILED,
            ProblemCode.BAD_CONTENT_LENGTH, ProblemCode.PAYLOAD_TOO_LARGE, ProblemCode.UNSUPPORTED_MEDIA_TYPE);
    /** Codes of an operation that takes another body (CSV). */
    static final Set<ProblemCode> OTHER_BODY = EnumSet.of(ProblemCode.INVALID_CHARACTER,
            ProblemCode.BAD_CONTENT_LENGTH, ProblemCode.PAYLOAD_TOO_LARGE, ProblemCode.UNSUPPORTED_MEDIA_TYPE);

    @Override
    public void filterOpenAPI(OpenAPI api) {
        api.getInfo().description("""
                The Myriad marketplace API: tenants buy and use slices of city-run AI clusters; operators register \
                their clusters. All routes take an OIDC bearer token from the Keycloak realm `myriad`. Errors are \
                RFC 9457 problem details with a stable `code` (the `ProblemCode` enum; each operation lists the \
                codes it can answer with); lists are cursor-paged; creating POSTs accept an `Idempotency-Key`. A \
                field without a value is left out of a response, never sent as null. Every answer names its request \
                in `X-Request-Id` (a problem repeats it as `requestId`): quote it to support. Each account (a tenant \
                with all its users and integrations, an operator, a platform user) has an allowance of requests \
                (by default 2,000 a second, bursts of 4,000, per replica): past it a request is answered 429 \
                `RATE_LIMITED` with `Retry-After`, and every answer says where the account stands in \
                `RateLimit-Policy` and `RateLimit` (IETF draft RateLimit header fields for HTTP).""");
        api.getInfo().license(OASFactory.createLicense().name("Proprietary").url("https://myriad.city/terms"))
                .contact(OASFactory.createContact().name("Myriad platform team").email("platform@myriad.city"));
        api.setServers(List.of(
                OASFactory.createServer().url("https://{host}")
                        .description("A Myriad deployment (production or staging)")
                        .variables(Map.of("host", OASFactory.createServerVariable().defaultValue("api.myriad.city")
                                .description("The deployment's public host name")))
                        .url("https://{host}"),
                OASFactory.createServer().url("http://localhost:8080").description("Local dev start (bin/myriad-dev)")));
        api.setTags(new ArrayList<>(new TreeMap<>(TAGS).entrySet().stream()
                .map(t -> OASFactory.createTag().name(t.getKey()).description(t.getValue())).toList()));
        addSchemas(api);
        api.getComponents().setSecuritySchemes(Map.of("bearer", OASFactory.createSecurityScheme()
                .type(org.eclipse.microprofile.openapi.models.security.SecurityScheme.Type.HTTP)
                .scheme("bearer").bearerFormat("JWT")
                .description("An access token from the Keycloak realm `myriad` (audience `myriad-api`)")));
        api.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme("bearer")));
        if (api.getPaths() == null) {
            return;
        }
        api.getPaths().getPathItems().forEach((template, path) ->
                path.getOperations().forEach((method, op) -> complete(api, template, method, op)));
    }

    private void complete(OpenAPI api, String template, PathItem.HttpMethod method, Operation op) {
        op.setSecurity(PUBLIC.contains(op.getOperationId()) ? new ArrayList<>() : null);
        // Not a declared parameter: If-None-Match is HTTP's (a browser sends it by itself), and a parameter on every
        // GET would change every generated client's method signatures.
        boolean conditionalGet = method == PathItem.HttpMethod.GET && answersJson(op)
                && !STREAMED.contains(op.getOperationId());
        orderParameters(template, op);
        if (op.getParameters() != null) {
            op.getParameters().forEach(ContractFilter::describe);
        }
        APIResponses responses = op.getResponses();
        // The scanner's own error responses (a bare 401/403 for secured methods) give way to the true list.
        new ArrayList<>(responses.getAPIResponses().keySet()).stream().filter(s -> !s.startsWith("2"))
                .forEach(responses::removeAPIResponse);
        for (Map.Entry<Integer, List<ProblemCode>> e : codes(op).entrySet()) {
            responses.addAPIResponse(String.valueOf(e.getKey()), problem(e.getKey(), e.getValue()));
        }
        if (!PUBLIC.contains(op.getOperationId())) {
            // RateLimits: every answer of a metered request says where the caller's account stands.
            responses.getAPIResponses().forEach((status, response) -> {
                if (status.startsWith("2") || status.equals("429")) {
                    response.addHeader("RateLimit-Policy", header("The caller's account's allowance (IETF draft "
                            + "RateLimit header fields for HTTP): `\"account\";q=<burst>;w=<seconds to refill it>`",
                            null));
                    response.addHeader("RateLimit", header("Where the caller's account stands after this request: "
                            + "`\"account\";r=<requests left>;t=<seconds until the allowance is whole again>`", null));
                }
            });
        }
        if (conditionalGet) {
            // ConditionalGet: every JSON answer of a GET is tagged, and a matching If-None-Match is answered 304.
            APIResponse ok = responses.getAPIResponse("200");
            ok.addHeader("ETag", header("On a JSON answer, the strong entity tag of this representation: send it back in "
                    + "`If-None-Match` to be answered 304 while it has not changed, or in `If-Match` of the replacing "
                    + "PUT where the operation takes one", null));
            ok.addHeader("Cache-Control", header("`private, no-cache`: a client may keep the answer and revalidate "
                    + "it with its ETag; a shared cache keeps nothing", null));
            responses.addAPIResponse("304", OASFactory.createAPIResponse()
                    .description("Not Modified: the request's `If-None-Match` header (HTTP's, sent by browsers by "
                            + "themselves) names the representation's current tag; no body")
                    .addHeader("ETag", header("The current entity tag, the one `If-None-Match` named", null)));
        }
        boolean idempotent = hasParameter(op, "Idempotency-Key");
        responses.getAPIResponses().forEach((status, response) -> {
            response.addHeader("X-Request-Id", header("The request's id (RequestIds): the caller's own `X-Request-Id` "
                    + "when it sent 1-128 letters, digits or `. _ : -`, else a new UUID; every log line of the "
                    + "request carries it", null));
            if (status.equals("201")) {
                response.addHeader("Location", header("Where the new resource lives: its path (a relative "
                        + "reference), or the deployment's public base URL followed by it", "uri-reference"));
                if (idempotent) {
                    response.addHeader("Idempotent-Replayed", OASFactory.createHeader()
                            .description("`true` when this is the stored response of an earlier request with the "
                                    + "same Idempotency-Key, `false` when the resource was created now")
                            .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                                    .enumeration(List.of("true", "false"))));
                }
            }
            if (status.startsWith("2") && response.getContent() != null) {
                MediaType json = response.getContent().getMediaType("application/json");
                if (json != null && json.getSchema() != null && json.getExample() == null) {
                    json.setExample(Examples.of(api, json.getSchema(), 0));
                }
            }
        });
        if (op.getRequestBody() != null && op.getRequestBody().getContent() != null) {
            // JSON and JSON merge patch (RFC 7396) bodies: an example built from the schema's examples.
            for (String type : List.of("application/json", "application/merge-patch+json")) {
                MediaType json = op.getRequestBody().getContent().getMediaType(type);
                if (json != null && json.getSchema() != null && json.getExample() == null) {
                    json.setExample(Examples.of(api, json.getSchema(), 0));
                }
            }
        }
    }

    /** The codes an operation can answer with, by status: the edge's for its kind, and its own declared ones. */
    static Map<Integer, List<ProblemCode>> codes(Operation op) {
        Set<ProblemCode> codes = EnumSet.copyOf(EVERY_OPERATION);
        if (PUBLIC.contains(op.getOperationId())) {
            codes.remove(ProblemCode.UNAUTHENTICATED);
            codes.remove(ProblemCode.IDENTITY_PROVIDER_UNAVAILABLE);
            codes.remove(ProblemCode.RATE_LIMITED);  // RateLimits meters callers with a token
        }
        if (op.getRequestBody() != null && op.getRequestBody().getContent() != null) {
            codes.addAll(op.getRequestBody().getContent().hasMediaType("application/json") ? JSON_BODY : OTHER_BODY);
        }
        if (op.getParameters() != null && op.getParameters().stream().anyMatch(p -> p.getName().endsWith("Id"))) {
            codes.add(ProblemCode.INVALID_ID);
        }
        if (hasParameter(op, "limit")) {
            codes.add(ProblemCode.INVALID_LIMIT);
            codes.add(ProblemCode.INVALID_CURSOR);
        }
        if (hasParameter(op, "If-Match")) {
            codes.add(ProblemCode.PRECONDITION_FAILED);
        }
        if (hasParameter(op, "Idempotency-Key")) {
            codes.add(ProblemCode.INVALID_IDEMPOTENCY_KEY);
            codes.add(ProblemCode.IDEMPOTENCY_KEY_REUSED);
        }
        codes.addAll(declared(op));
        return codes.stream().collect(Collectors.groupingBy(ProblemCode::status, TreeMap::new, Collectors.toList()));
    }

    /** The domain codes the resource method declares; an operation that declares none fails the build. */
    private static List<ProblemCode> declared(Operation op) {
        Object value = op.getExtensions() == null ? null : op.getExtensions().get(CODES_EXTENSION);
        if (value == null) {
            throw new IllegalStateException("Operation " + op.getOperationId() + " does not declare its problem codes: "
                    + "give its resource method @Extension(name = \"" + CODES_EXTENSION + "\", value = \"…\")");
        }
        op.removeExtension(CODES_EXTENSION);
        return Arrays.stream(value.toString().split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(ProblemCode::valueOf).toList();
    }

    /** Whether the operation's 200 answer is JSON (what {@code ConditionalGet} tags). */
    private static boolean answersJson(Operation op) {
        APIResponse ok = op.getResponses() == null ? null : op.getResponses().getAPIResponse("200");
        return ok != null && ok.getContent() != null && ok.getContent().hasMediaType("application/json");
    }

    private static boolean hasParameter(Operation op, String name) {
        return op.getParameters() != null && op.getParameters().stream().anyMatch(p -> p.getName().equals(name));
    }

    /** Path parameters in the order the URL names them (generated clients take them in this order), then the rest. */
    private static void orderParameters(String template, Operation op) {
        if (op.getParameters() == null) {
            return;
        }
        List<Parameter> ordered = new ArrayList<>(op.getParameters());
        ordered.sort(Comparator.comparingInt((Parameter p) -> p.getIn() == Parameter.In.PATH
                ? template.indexOf("{" + p.getName() + "}") : Integer.MAX_VALUE));
        op.setParameters(ordered);
    }

    private static void describe(Parameter p) {
        switch (p.getName()) {
            case "Idempotency-Key" -> p.description("Makes the creation safe to retry: the same key with the same body "
                    + "returns the first response (with `Idempotent-Replayed: true`); with another body, 409. Keys are "
                    + "per caller and per tenant, and kept 7 days: after that the same key makes a new request.")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).minLength(1).maxLength(255))
                    .example("7f3c2a9e-1b0d-4c55-9a61-3d2f0c8e4b10");
            case "If-Match" -> p.description("Makes the replacement conditional: the `ETag` of the representation "
                    + "as last read (its GET answers it). If the resource changed since, nothing is changed and the "
                    + "answer is 412 `PRECONDITION_FAILED` with the current `ETag`; `*` matches whatever is there. "
                    + "Without it the replacement is unconditional.")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).maxLength(1000))
                    .example("\"3q2Xk1aB0cD9eF8gH7iJ6k\"");
            case "cursor" -> p.description("The `nextCursor` of the previous page of this same list and filters; omit "
                    + "for the first page")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).maxLength(600))
                    .example("MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDBlMTAx.q1w2e3r4t5y6u7i8o9p0aa");
            case "limit" -> p.description("Items per page")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                            .minimum(java.math.BigDecimal.ONE).maximum(java.math.BigDecimal.valueOf(500))
                            .defaultValue(50))
                    .example(50);
            default -> {
                if (p.getExample() == null && p.getName().endsWith("Id")) {
                    p.example("01930000-0000-7000-8000-00000000e001");
                } else if (p.getExample() == null && p.getName().equals("nodeName")) {
                    p.example("hz-n0001");
                }
            }
        }
    }

    private static Header header(String description, String format) {
        return OASFactory.createHeader().description(description)
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format(format));
    }

    private static APIResponse problem(int status, List<ProblemCode> codes) {
        MediaType media = OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF));
        for (ProblemCode code : codes) {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("type", code.type());
            value.put("title", code.title());
            value.put("status", status);
            value.put("detail", code.meaning());
            value.put("code", code.name());
            value.put("instance", "/api/v1/...");
            media.addExample(code.name(), OASFactory.createExample().summary(code.meaning()).value(value));
        }
        String description = ProblemCode.titleOf(status) + ": " + codes.stream().map(c -> "`" + c.name() + "`")
                .collect(Collectors.joining(", "));
        APIResponse response = OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType(PROBLEM, media))
                .addExtension(CODES_EXTENSION, codes.stream().map(Enum::name).toList());
        if (status == 412) {
            response.addHeader("ETag", header("The resource's current entity tag", null));
        }
        if (status == 503 || status == 429) {
            response.addHeader("Retry-After", OASFactory.createHeader().description("Seconds to wait before retrying")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));
        }
        if (status == 401) {
            response.addHeader("WWW-Authenticate", OASFactory.createHeader()
                    .description("The Bearer challenge (RFC 6750), with `error=\"invalid_token\"` for a token that "
                            + "was sent but refused")
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)));
        }
        return response;
    }

    private static void addSchemas(OpenAPI api) {
        Map<String, Schema> schemas = api.getComponents().getSchemas();
        api.getComponents().addSchema("ProblemCode", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                .description("Stable machine-readable error codes; clients branch on them. New codes may be added: "
                        + "treat an unknown one by its HTTP status.")
                .enumeration(Arrays.stream(ProblemCode.values()).map(c -> (Object) c.name()).toList())
                .addExtension("x-enum-descriptions", Arrays.stream(ProblemCode.values()).map(ProblemCode::meaning).toList())
                .addExtension("x-problem-status", Arrays.stream(ProblemCode.values()).collect(Collectors.toMap(
                        Enum::name, ProblemCode::status, (a, b) -> a, LinkedHashMap::new))));
        api.getComponents().addSchema("ProblemViolation", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("Where an input broke a rule")
                .addRequired("reason")
                .addProperty("row", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                        .description("1-based line of a CSV body; absent for JSON").addExample(3))
                .addProperty("field", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("The field, column or parameter; absent when the whole row is wrong")
                        .addExample("gpus"))
                .addProperty("reason", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("must be a whole number, got 'eight'")));
        api.getComponents().addSchema("Problem", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details, with Myriad's stable `code`")
                .addRequired("type").addRequired("title").addRequired("status").addRequired("code")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri")
                        .addExample("https://myriad.city/problems/validation-failed"))
                .addProperty("title", OASFactory.createSchema().addType(Schema.SchemaType.STRING).addExample("Invalid request"))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                        .addExample(400))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("slug: 3-40 characters: lower-case letters, digits and '-', starting with a letter"))
                .addProperty("code", OASFactory.createSchema().ref("#/components/schemas/ProblemCode"))
                .addProperty("instance", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .addExample("/api/v1/tenants"))
                .addProperty("requestId", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("The request's id, as its `X-Request-Id` header gives it: quote it to support, "
                                + "who find the request's log lines by it")
                        .addExample("0193a1f4-5c2e-7d0a-9b1e-3f6a2c8d4e71"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                        .items(OASFactory.createSchema().ref("#/components/schemas/ProblemViolation")))
                .addProperty("earliestWindow", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                        .description("On CAPACITY_UNAVAILABLE: the earliest window of the asked length that fits now")
                        .addRequired("startAt").addRequired("endAt")
                        .addProperty("startAt", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                                .format("date-time").addExample("2026-12-01T08:00:00Z"))
                        .addProperty("endAt", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                                .format("date-time").addExample("2026-12-01T20:00:00Z")))
                .addProperty("latestEndAt", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .format("date-time").description("On CAPACITY_UNAVAILABLE answering extendReservation: the "
                                + "latest end the reservation can be extended to now (absent when not even a moment "
                                + "past its end is free)").addExample("2026-12-02T02:00:00Z"))
                .addProperty("openPeriods", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                        .description("On EARLIER_PERIOD_OPEN: the earlier billing periods that still have something "
                                + "to bill, oldest first; close them first")
                        .items(OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                                .pattern("^[0-9]{4}-(0[1-9]|1[0-2])$").addExample("2026-10"))));
        api.getComponents().addSchema("TenantStatus", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                .description("ACTIVE tenants buy and run; SUSPENDED ones keep their data but cannot")
                .enumeration(List.of("ACTIVE", "SUSPENDED")));
        api.getComponents().addSchema("Role", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                .description("A realm role: platform-admin and operator are the platform's; the others are tenant roles")
                .enumeration(List.of(Caller.PLATFORM_ADMIN, Caller.OPERATOR, Caller.TENANT_ADMIN,
                        Caller.TENANT_MEMBER, Caller.BILLING_VIEWER)));
        api.getComponents().addSchema("TenantRole", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                .description("A role within one tenant")
                .enumeration(List.of(Caller.TENANT_ADMIN, Caller.TENANT_MEMBER, Caller.BILLING_VIEWER)));
        if (schemas == null) {
            return;
        }
        replaceProperty(schemas.get("Tenant"), "status", OASFactory.createSchema().ref("#/components/schemas/TenantStatus"));
        itemsRef(schemas.get("Me"), "roles", "Role");
        for (String s : List.of("Member", "AddMember", "MemberRoles")) {
            itemsRef(schemas.get(s), "roles", "TenantRole");
        }
        // A $ref stands alone: a `type` beside it (which the scanner adds for annotated UUID fields, and for the
        // values of an annotated map) is noise that generators warn about, and narrows what the $ref allows.
        schemas.values().forEach(schema -> {
            if (schema.getProperties() != null) {
                schema.getProperties().values().forEach(p -> {
                    if (p.getRef() != null) {
                        p.setType(null);
                    }
                    if (p.getAdditionalPropertiesSchema() != null && p.getAdditionalPropertiesSchema().getRef() != null) {
                        p.getAdditionalPropertiesSchema().setType(null);
                    }
                });
            }
        });
    }

    private static void replaceProperty(Schema schema, String property, Schema replacement) {
        if (schema != null && schema.getProperties() != null && schema.getProperties().containsKey(property)) {
            Schema old = schema.getProperties().get(property);
            schema.addProperty(property, replacement.description(old.getDescription()));
        }
    }

    private static void itemsRef(Schema schema, String property, String ref) {
        if (schema != null && schema.getProperties() != null && schema.getProperties().get(property) != null) {
            Schema array = schema.getProperties().get(property);
            array.setItems(OASFactory.createSchema().ref("#/components/schemas/" + ref));
        }
    }
}
