package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Tenants are created by platform admins only; slugs are unique and well-formed. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class TenantsTest {

    @Test
    void a_platform_admin_creates_a_tenant_and_sees_all_tenants() {
        String slug = "t-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Initech\"}").post("/api/v1/tenants")
                .then().statusCode(201).body("slug", equalTo(slug)).body("status", equalTo("ACTIVE"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants?limit=500").then().statusCode(200)
                .body("items.slug", hasItems("acme", "globex", slug));
    }

    @Test
    void nobody_else_creates_tenants() {
        for (String token : new String[] {Tokens.alice(), Tokens.olga(), Tokens.amy()}) {
            given().auth().oauth2(token).contentType("application/json").body("{\"slug\":\"sneaky\",\"name\":\"S\"}")
                    .post("/api/v1/tenants").then().statusCode(403).body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        }
    }

    @Test
    void a_taken_slug_is_a_conflict() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body("{\"slug\":\"acme\",\"name\":\"Again\"}")
                .post("/api/v1/tenants").then().statusCode(409).body("code", equalTo("TENANT_SLUG_TAKEN"));
    }
}
