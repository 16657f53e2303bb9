package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

/**
 * API clients as the routes answer them in-process: who may call them and what bad input gets. Provisioning is off
 * here (the OIDC server is not a Keycloak), so no client can be made: only a real Keycloak issues a secret. The
 * end-to-end test (IdentityEndToEndIT) makes, uses, rotates and deletes one in a real Keycloak.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ApiClientsTest {

    static final String GLOBEX_CLIENTS = "/api/v1/tenants/" + DemoData.GLOBEX + "/api-clients";

    @Test
    void without_provisioning_a_creation_is_refused_and_nothing_is_written() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"name\":\"pipeline\",\"roles\":[\"tenant-member\"]}")
                .post(GLOBEX_CLIENTS).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("IDENTITY_PROVISIONING_OFF"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_CLIENTS).then().statusCode(200).body("items", empty());
        given().auth().oauth2(Tokens.bob()).post(GLOBEX_CLIENTS + "/01930000-0000-7000-8000-0000000ac001/rotate-secret")
                .then().statusCode(409).body("code", equalTo("IDENTITY_PROVISIONING_OFF"));
    }

    @Test
    void only_a_tenant_admin_manages_api_clients() {
        String member = Tokens.token("gus", "globex", null, "tenant-member");
        given().auth().oauth2(member).get(GLOBEX_CLIENTS).then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(member).contentType("application/json")
                .body("{\"name\":\"pipeline\",\"roles\":[\"tenant-admin\"]}").post(GLOBEX_CLIENTS).then()
                .statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(member).delete(GLOBEX_CLIENTS + "/01930000-0000-7000-8000-0000000ac001").then()
                .statusCode(403);
    }

    @Test
    void bad_input_is_refused_with_what_to_fix() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"name\":\"pipeline\",\"roles\":[\"root\"]}").post(GLOBEX_CLIENTS).then().statusCode(400)
                .body("code", equalTo("UNKNOWN_ROLE"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"name\":\" \",\"roles\":[\"tenant-member\"]}").post(GLOBEX_CLIENTS).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("name"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"name\":\"pipeline\",\"roles\":[]}").post(GLOBEX_CLIENTS).then().statusCode(400)
                .body("errors[0].field", equalTo("roles"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_CLIENTS + "/01930000-0000-7000-8000-0000000ac001").then()
                .statusCode(404).body("code", equalTo("API_CLIENT_NOT_FOUND"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_CLIENTS + "/nope").then().statusCode(400)
                .body("code", equalTo("INVALID_ID"));
    }
}
