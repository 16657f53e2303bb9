package city.myriad.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * End to end: the packaged service (java -jar, embedded PostgreSQL, demo data) with a real Keycloak and the
 * committed realm. Tokens come from Keycloak's token endpoint, both password and client-credentials grants,
 * and provisioning writes to Keycloak for real.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = RealKeycloak.class, restrictToAnnotatedClass = true)
class IdentityEndToEndIT {

    static final String ACME = "/api/v1/tenants/01930000-0000-7000-8000-00000000e001";
    static final String GLOBEX = "/api/v1/tenants/01930000-0000-7000-8000-00000000e002";

    @Test
    void every_demo_login_is_who_the_realm_says() {
        me("admin").body("roles", contains("platform-admin")).body("tenant", nullValue()).body("operator", nullValue());
        me("olga").body("roles", contains("operator")).body("operator.slug", equalTo("hangzhou"));
        me("alice").body("roles", contains("tenant-admin")).body("tenant.slug", equalTo("acme"));
        me("amy").body("roles", contains("tenant-member")).body("tenant.slug", equalTo("acme"));
        me("bob").body("roles", contains("tenant-admin")).body("tenant.slug", equalTo("globex"));
    }

    @Test
    void the_enterprise_integration_acts_as_acme_with_client_credentials() {
        String token = Keycloak.clientCredentials("acme-integration", "acme-secret");
        given().auth().oauth2(token).get("/api/v1/me").then().statusCode(200)
                .body("tenant.slug", equalTo("acme")).body("roles", contains("tenant-member"));
        given().auth().oauth2(token).get(ACME + "/projects").then().statusCode(200)
                .body("items.slug", hasItem("vision"));
        given().auth().oauth2(token).get(GLOBEX + "/projects").then().statusCode(404);
    }

    @Test
    void tenants_are_walled_off_and_anonymous_callers_sent_away() {
        String alice = Keycloak.password("alice");
        given().auth().oauth2(alice).get(ACME).then().statusCode(200).body("slug", equalTo("acme"));
        given().auth().oauth2(alice).get(GLOBEX).then().statusCode(404).contentType("application/problem+json");
        given().get(ACME).then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2("not-a-token").get(ACME).then().statusCode(401);
    }

    @Test
    void a_new_tenant_gets_its_group_in_keycloak() {
        String slug = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Keycloak.password("admin")).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"End to end\"}").post("/api/v1/tenants")
                .then().statusCode(201).body("slug", equalTo(slug));
        List<Map<String, Object>> groups = Keycloak.groups("tenant-" + slug);
        assertEquals(1, groups.size(), "the tenant's group exists in Keycloak");
    }

    @Test
    void a_member_added_by_the_tenant_admin_exists_in_keycloak_bound_to_the_tenant() {
        String username = "e2e" + UUID.randomUUID().toString().substring(0, 6);
        given().auth().oauth2(Keycloak.password("alice")).contentType("application/json")
                .body("{\"username\":\"" + username + "\",\"email\":\"" + username + "@acme.example\","
                        + "\"firstName\":\"Eve\",\"lastName\":\"Acme\",\"roles\":[\"billing-viewer\"]}")
                .post(ACME + "/members").then().statusCode(201);
        List<Map<String, Object>> users = Keycloak.users(username);
        assertEquals(1, users.size());
        @SuppressWarnings("unchecked")
        Map<String, List<String>> attributes = (Map<String, List<String>>) users.get(0).get("attributes");
        assertEquals(List.of("acme"), attributes.get("tenant"));
        assertTrue(Keycloak.realmRoles((String) users.get(0).get("id")).contains("billing-viewer"));
    }

    private static io.restassured.response.ValidatableResponse me(String user) {
        return given().auth().oauth2(Keycloak.password(user)).get("/api/v1/me").then().statusCode(200)
                .body("username", equalTo(user));
    }
}
