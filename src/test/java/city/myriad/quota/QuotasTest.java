package city.myriad.quota;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

/** Quotas: who sets them, that a project's nest within its tenant's, and every rule with its code. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class QuotasTest {

    static final String GLOBEX = "/api/v1/tenants/" + DemoData.GLOBEX + "/quotas";
    static final String GLOBEX_LLM = "/api/v1/tenants/" + DemoData.GLOBEX + "/projects/01930000-0000-7000-8000-00000000e201/quotas";
    static final String HZ = DemoData.HANGZHOU_CLUSTER.toString();

    static String limit(String cls, int limit) {
        return "{\"clusterId\":\"" + HZ + "\",\"model\":\"ASCEND-910B\"" + (cls == null ? "" : ",\"class\":\"" + cls + "\"")
                + ",\"limit\":" + limit + "}";
    }

    static String quotas(String budget, String... limits) {
        return "{\"cards\":[" + String.join(",", limits) + "]" + (budget == null ? "" : ",\"budget\":" + budget) + "}";
    }

    static String budget(long minor) {
        return "{\"amountMinor\":" + minor + ",\"currency\":\"CNY\",\"period\":\"MONTH\"}";
    }

    @Test
    void a_tenant_without_quotas_has_no_limit_and_only_a_platform_admin_sets_them() {
        given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/quotas").then().statusCode(200)
                .body("cards.size()", equalTo(0)).body("budget", nullValue());
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body(quotas(null, limit(null, 1)))
                .put(GLOBEX).then().statusCode(403).body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
    }

    @Test
    void a_projects_quotas_nest_within_its_tenants() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body(quotas(budget(5_000_000), limit("ON_DEMAND", 32), limit(null, 100))).put(GLOBEX).then()
                .statusCode(200).body("cards.size()", equalTo(2)).body("budget.amountMinor", equalTo(5_000_000))
                .body("updatedBy", equalTo("admin"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX).then().statusCode(200)
                .body("cards.find { it.class == 'ON_DEMAND' }.limit", equalTo(32));

        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body(quotas(budget(1_000_000), limit("ON_DEMAND", 16), limit("SPOT", 100))).put(GLOBEX_LLM).then()
                .statusCode(200).body("projectId", equalTo("01930000-0000-7000-8000-00000000e201"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body(quotas(null, limit("ON_DEMAND", 33)))
                .put(GLOBEX_LLM).then().statusCode(400).body("code", equalTo("QUOTA_EXCEEDS_TENANT"))
                .body("errors[0].field", equalTo("cards[0].limit"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body(quotas(null, limit("SPOT", 101)))
                .put(GLOBEX_LLM).then().statusCode(400).body("code", equalTo("QUOTA_EXCEEDS_TENANT"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body(quotas(budget(5_000_001)))
                .put(GLOBEX_LLM).then().statusCode(400).body("errors[0].field", equalTo("budget"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_LLM).then().statusCode(200)
                .body("cards.find { it.class == 'ON_DEMAND' }.limit", equalTo(16))
                .body("budget.amountMinor", equalTo(1_000_000));
    }

    @Test
    void every_broken_rule_has_its_code() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body(quotas(null, limit("ON_DEMAND", 1), limit("ON_DEMAND", 2))).put(GLOBEX).then().statusCode(400)
                .body("code", equalTo("DUPLICATE_LIMIT"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body(quotas(null, limit("ON_DEMAND", 1).replace(HZ, "01930000-0000-7000-8000-0000000000ff")))
                .put(GLOBEX).then().statusCode(404).body("code", equalTo("CLUSTER_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(quotas(null, limit("CHEAP", 1)))
                .put(GLOBEX).then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body(quotas(budget(1).replace("MONTH", "WEEK"))).put(GLOBEX).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(Tokens.amy()).contentType("application/json").body(quotas(null))
                .put("/api/v1/tenants/" + DemoData.ACME + "/projects/01930000-0000-7000-8000-00000000e101/quotas")
                .then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME
                + "/projects/01930000-0000-7000-8000-0000000000aa/quotas").then().statusCode(404)
                .body("code", equalTo("PROJECT_NOT_FOUND"));
    }
}
