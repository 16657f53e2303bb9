package city.myriad.quota;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    static String tagOf(String path, String token) {
        return given().auth().oauth2(token).get(path).then().statusCode(200)
                .header("ETag", matchesPattern("\"[A-Za-z0-9_-]{22}\""))
                .header("Cache-Control", equalTo("private, no-cache")).extract().header("ETag");
    }

    @Test
    void a_get_is_tagged_and_a_client_holding_the_current_tag_gets_304_without_a_body() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(quotas(null, limit("SPOT", 40)))
                .put(GLOBEX).then().statusCode(200);
        String tag = tagOf(GLOBEX, Tokens.bob());
        assertThat("the same representation, the same tag", tagOf(GLOBEX, Tokens.bob()), equalTo(tag));

        given().auth().oauth2(Tokens.bob()).header("If-None-Match", tag).get(GLOBEX).then().statusCode(304)
                .header("ETag", tag).body(emptyString());
        given().auth().oauth2(Tokens.bob()).header("If-None-Match", "\"other\", W/" + tag).get(GLOBEX).then()
                .statusCode(304);  // a list, and the weak comparison If-None-Match uses
        given().auth().oauth2(Tokens.bob()).header("If-None-Match", tag).head(GLOBEX).then().statusCode(304);
        given().auth().oauth2(Tokens.bob()).header("If-None-Match", "\"other\"").get(GLOBEX).then().statusCode(200)
                .header("ETag", tag).body("cards[0].limit", equalTo(40));

        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(quotas(null, limit("SPOT", 41)))
                .put(GLOBEX).then().statusCode(200);
        given().auth().oauth2(Tokens.bob()).header("If-None-Match", tag).get(GLOBEX).then().statusCode(200)
                .header("ETag", not(equalTo(tag))).body("cards[0].limit", equalTo(41));
    }

    @Test
    void a_replacement_with_if_match_goes_ahead_only_on_the_representation_it_was_read_from() {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(quotas(null, limit("SPOT", 50)))
                .put(GLOBEX).then().statusCode(200);
        String read = tagOf(GLOBEX, Tokens.admin());

        // Two admins read the same quotas; the first write lands, the second is refused and changes nothing.
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", read)
                .body(quotas(null, limit("SPOT", 51))).put(GLOBEX).then().statusCode(200);
        String now = tagOf(GLOBEX, Tokens.admin());
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", read)
                .body(quotas(null, limit("SPOT", 52))).put(GLOBEX).then().statusCode(412)
                .contentType("application/problem+json").body("code", equalTo("PRECONDITION_FAILED"))
                .header("ETag", now);
        given().auth().oauth2(Tokens.admin()).get(GLOBEX).then().body("cards[0].limit", equalTo(51));

        // Strong comparison: a weak tag or something that is no tag never matches; * matches what is there.
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", "W/" + now)
                .body(quotas(null, limit("SPOT", 53))).put(GLOBEX).then().statusCode(412);
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", "not-a-tag")
                .body(quotas(null, limit("SPOT", 53))).put(GLOBEX).then().statusCode(412);
        given().auth().oauth2(Tokens.admin()).get(GLOBEX).then().body("cards[0].limit", equalTo(51));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", "\"x\", " + now)
                .body(quotas(null, limit("SPOT", 54))).put(GLOBEX).then().statusCode(200);
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("If-Match", "*")
                .body(quotas(null, limit("SPOT", 55))).put(GLOBEX).then().statusCode(200);

        // A project's quotas, by its tenant admin, the same way.
        String project = tagOf(GLOBEX_LLM, Tokens.bob());
        given().auth().oauth2(Tokens.bob()).contentType("application/json").header("If-Match", project)
                .body(quotas(null, limit("SPOT", 5))).put(GLOBEX_LLM).then().statusCode(200);
        given().auth().oauth2(Tokens.bob()).contentType("application/json").header("If-Match", project)
                .body(quotas(null, limit("SPOT", 6))).put(GLOBEX_LLM).then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_LLM).then().body("cards[0].limit", equalTo(5));
    }

    @Test
    void of_concurrent_replacements_read_from_one_representation_exactly_one_lands() throws Exception {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(quotas(null, limit("SPOT", 60)))
                .put(GLOBEX).then().statusCode(200);
        String read = tagOf(GLOBEX, Tokens.admin());
        String token = Tokens.admin();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int limit = 61 + i;
                Callable<Response> put = () -> given().auth().oauth2(token).contentType("application/json")
                        .header("If-Match", read).body(quotas(null, limit("SPOT", limit))).put(GLOBEX);
                answers.add(pool.submit(put));
            }
            List<Integer> landed = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < answers.size(); i++) {
                Response r = answers.get(i).get();
                if (r.statusCode() == 200) {
                    landed.add(61 + i);
                } else {
                    assertThat(r.statusCode(), equalTo(412));
                    refused++;
                }
            }
            assertThat(landed, hasSize(1));
            assertThat(refused, equalTo(7));
            given().auth().oauth2(Tokens.admin()).get(GLOBEX).then().body("cards[0].limit", equalTo(landed.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }
}
