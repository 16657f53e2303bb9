package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class MeTest {

    @Test
    void a_tenant_admin_sees_her_tenant_and_roles() {
        given().auth().oauth2(Tokens.alice())
                .when().get("/api/v1/me")
                .then().statusCode(200)
                .body("username", equalTo("alice"))
                .body("roles", contains("tenant-admin"))
                .body("tenant.slug", equalTo("acme"))
                .body("tenant.id", equalTo(DemoData.ACME.toString()))
                .body("operator", nullValue());
    }

    @Test
    void an_operator_sees_her_city() {
        given().auth().oauth2(Tokens.olga())
                .when().get("/api/v1/me")
                .then().statusCode(200)
                .body("operator.slug", equalTo("hangzhou"))
                .body("tenant", nullValue());
    }

    @Test
    void an_anonymous_caller_is_told_to_authenticate() {
        given().when().get("/api/v1/me")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("code", equalTo("UNAUTHENTICATED"));
    }

    @Test
    void a_bearer_token_that_is_not_a_jwt_is_refused_without_asking_the_identity_provider() {
        given().auth().oauth2("not-a-jwt").when().get("/api/v1/me")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("code", equalTo("UNAUTHENTICATED"));
    }
}
