package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The isolation matrix: for every tenant-scoped route, tenant B (globex) can neither read nor change tenant A's
 * (acme's) data, and an anonymous caller is sent away. Routes are listed once, with a body where they take one.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class TenantIsolationTest {

    static final String ACME = "/api/v1/tenants/" + DemoData.ACME;
    static final String ACME_PROJECT = ACME + "/projects/01930000-0000-7000-8000-00000000e101";
    static final String ACME_MEMBER = ACME + "/members/01930000-0000-7000-8000-00000000e112";
    static final String ACME_API_CLIENT = ACME + "/api-clients/01930000-0000-7000-8000-0000000ac001";

    static Stream<Arguments> tenantScopedRoutes() {
        return Stream.of(
                Arguments.of("GET", ACME, null),
                Arguments.of("GET", ACME + "/projects", null),
                Arguments.of("POST", ACME + "/projects", "{\"slug\":\"stolen\",\"name\":\"Stolen\"}"),
                Arguments.of("GET", ACME_PROJECT, null),
                Arguments.of("GET", ACME + "/members", null),
                Arguments.of("POST", ACME + "/members",
                        "{\"username\":\"mallory\",\"email\":\"m@globex.example\",\"roles\":[\"tenant-admin\"]}"),
                Arguments.of("GET", ACME_MEMBER, null),
                Arguments.of("PUT", ACME_MEMBER, "{\"roles\":[\"billing-viewer\"]}"),
                Arguments.of("DELETE", ACME_MEMBER, null),
                Arguments.of("GET", ACME + "/quotas", null),
                Arguments.of("PUT", ACME + "/quotas", "{\"cards\":[]}"),
                Arguments.of("GET", ACME_PROJECT + "/quotas", null),
                Arguments.of("PUT", ACME_PROJECT + "/quotas", "{\"cards\":[]}"),
                Arguments.of("GET", ACME + "/audit-events", null),
                Arguments.of("GET", ACME + "/budget", null),
                Arguments.of("GET", ACME_PROJECT + "/budget", null),
                Arguments.of("GET", ACME + "/webhook/status", null),
                Arguments.of("GET", ACME + "/api-clients", null),
                Arguments.of("POST", ACME + "/api-clients", "{\"name\":\"stolen\",\"roles\":[\"tenant-admin\"]}"),
                Arguments.of("GET", ACME_API_CLIENT, null),
                Arguments.of("POST", ACME_API_CLIENT + "/rotate-secret", null),
                Arguments.of("DELETE", ACME_API_CLIENT, null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tenantScopedRoutes")
    void another_tenant_gets_not_found_and_changes_nothing(String method, String path, String body) {
        String before = acmeAsItsAdminSeesIt();
        send(given().auth().oauth2(Tokens.bob()), method, path, body)
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("code", equalTo("TENANT_NOT_FOUND"));
        assertEquals(before, acmeAsItsAdminSeesIt(), "acme's projects and members must be unchanged");
    }

    @Test
    void a_platform_admin_reusing_a_key_in_two_tenants_makes_two_independent_creations() {
        String key = "shared-key-" + UUID.randomUUID();
        String body = "{\"slug\":\"same-slug-x\",\"name\":\"Same\"}";
        String acmeProject = given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post(ACME + "/projects").then().statusCode(201)
                .header("Idempotent-Replayed", "false").extract().path("id");
        String globexProject = given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post("/api/v1/tenants/" + DemoData.GLOBEX + "/projects").then().statusCode(201)
                .header("Idempotent-Replayed", "false").body("tenantId", equalTo(DemoData.GLOBEX.toString()))
                .extract().path("id");
        org.junit.jupiter.api.Assertions.assertNotEquals(acmeProject, globexProject);
        // The same key on the platform-level route is a scope of its own too, and a replay in one tenant replays
        // that tenant's answer.
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body("{\"slug\":\"keyed-operator\",\"name\":\"Keyed\"}").post("/api/v1/operators").then().statusCode(201);
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post(ACME + "/projects").then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("id", equalTo(acmeProject));
        // And another body under the same key in the same tenant is a conflict, not a 500.
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body("{\"slug\":\"other-slug-x\",\"name\":\"Other\"}").post(ACME + "/projects").then().statusCode(409)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
    }

    private static String acmeAsItsAdminSeesIt() {
        return given().auth().oauth2(Tokens.alice()).get(ACME + "/projects?limit=500").then().statusCode(200)
                .extract().asString()
                + given().auth().oauth2(Tokens.alice()).get(ACME + "/members?limit=500").then().statusCode(200)
                .extract().asString();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tenantScopedRoutes")
    void an_anonymous_caller_must_authenticate(String method, String path, String body) {
        send(given(), method, path, body)
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("code", equalTo("UNAUTHENTICATED"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tenantScopedRoutes")
    void an_operator_without_a_tenant_gets_not_found(String method, String path, String body) {
        send(given().auth().oauth2(Tokens.olga()), method, path, body)
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void a_token_naming_a_tenant_that_does_not_exist_gets_nothing() {
        String ghost = Tokens.token("ghost", "no-such-tenant", null, "tenant-admin");
        given().auth().oauth2(ghost).get(ACME).then().statusCode(403).body("code", equalTo("UNKNOWN_TENANT"));
        given().auth().oauth2(ghost).get("/api/v1/tenants").then().statusCode(403);
    }

    @Test
    void the_tenant_list_of_a_tenant_user_holds_only_her_tenant() {
        given().auth().oauth2(Tokens.bob()).get("/api/v1/tenants").then().statusCode(200)
                .body("items.slug", everyItem(equalTo("globex")))
                .body("items.size()", equalTo(1));
    }

    @Test
    void a_project_id_of_another_tenant_is_not_found_under_ones_own_tenant() {
        String globexProject = "/api/v1/tenants/" + DemoData.GLOBEX + "/projects/01930000-0000-7000-8000-00000000e101";
        given().auth().oauth2(Tokens.bob()).get(globexProject).then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
    }

    @Test
    void a_random_tenant_id_is_not_found_even_for_a_platform_admin() {
        given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants/" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));
    }

    static io.restassured.response.Response send(RequestSpecification spec, String method, String path, String body) {
        if (body != null) {
            spec = spec.contentType("application/json").body(body);
        }
        return spec.request(method, path);
    }
}
