package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import org.junit.jupiter.api.Test;

/**
 * Members and roles as the tenant sees them. Provisioning in Keycloak is off in these in-process tests (their
 * OIDC server is not a Keycloak); the end-to-end tests check the accounts in a real Keycloak.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class MembersTest {

    static final String GLOBEX_MEMBERS = "/api/v1/tenants/" + DemoData.GLOBEX + "/members";
    static final String BOB = GLOBEX_MEMBERS + "/01930000-0000-7000-8000-00000000e211";

    @Test
    void a_tenant_admin_adds_a_member_changes_her_roles_and_removes_her() {
        String id = given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"username\":\"gina\",\"email\":\"gina@globex.example\",\"firstName\":\"Gina\",\"lastName\":\"G\","
                        + "\"roles\":[\"tenant-member\",\"billing-viewer\"]}")
                .post(GLOBEX_MEMBERS).then().statusCode(201)
                .body("roles", contains("billing-viewer", "tenant-member")).extract().path("id");
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body("{\"roles\":[\"billing-viewer\"]}")
                .put(GLOBEX_MEMBERS + "/" + id).then().statusCode(200).body("roles", contains("billing-viewer"));
        given().auth().oauth2(Tokens.bob()).delete(GLOBEX_MEMBERS + "/" + id).then().statusCode(204);
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_MEMBERS).then().statusCode(200)
                .body("items.username", not(hasItem("gina")));
    }

    @Test
    void a_token_issued_before_a_members_roles_changed_or_she_was_removed_is_refused_at_once() {
        city.myriad.support.World.Tenant t = city.myriad.support.World.tenant();
        String members = "/api/v1/tenants/" + t.id() + "/members";
        String username = t.slug() + "-r";
        String id = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"username\":\"" + username + "\",\"email\":\"r@" + t.slug() + ".example\","
                        + "\"roles\":[\"tenant-admin\"]}")
                .post(members).then().statusCode(201).extract().path("id");
        given().auth().oauth2(t.admin()).contentType("application/json")   // another admin: r may be demoted
                .body("{\"username\":\"" + t.slug() + "-s\",\"email\":\"s@" + t.slug() + ".example\","
                        + "\"roles\":[\"tenant-admin\"]}")
                .post(members).then().statusCode(201);
        long minuteAgo = System.currentTimeMillis() / 1000 - 60;
        String asAdmin = Tokens.issuedAt(minuteAgo, username, t.slug(), null, "tenant-admin");
        given().auth().oauth2(asAdmin).get(members).then().statusCode(200);

        // A role added takes nothing away: her token stays good (the new role comes with her next token).
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"roles\":[\"tenant-admin\",\"billing-viewer\"]}").put(members + "/" + id).then()
                .statusCode(200);
        given().auth().oauth2(asAdmin).get(members).then().statusCode(200);

        // Demoted: the token with her admin role is refused from now on (it would have worked 9 more minutes).
        given().auth().oauth2(t.admin()).contentType("application/json").body("{\"roles\":[\"tenant-member\"]}")
                .put(members + "/" + id).then().statusCode(200);
        given().auth().oauth2(asAdmin).get(members).then().statusCode(401)
                .contentType(containsString("application/problem+json")).body("code", equalTo("UNAUTHENTICATED"))
                .body("detail", containsString("issued before")).header("WWW-Authenticate",
                        containsString("error_description=\"revoked\""));
        given().auth().oauth2(Tokens.token(username, t.slug(), null, "tenant-member")).get("/api/v1/me").then()
                .statusCode(200);
        given().auth().oauth2(t.admin()).get(members).then().statusCode(200);  // nobody else's

        // Removed: her token of a moment ago is refused too.
        given().auth().oauth2(t.admin()).delete(members + "/" + id).then().statusCode(204);
        given().auth().oauth2(Tokens.issuedAt(System.currentTimeMillis() / 1000 - 5, username, t.slug(), null,
                "tenant-member")).get("/api/v1/me").then().statusCode(401);
        // A refused change revokes nothing: the last admin stays, and so do her tokens.
        String lastAdmin = Tokens.issuedAt(minuteAgo, "bob", "globex", null, "tenant-admin");
        given().auth().oauth2(lastAdmin).delete(BOB).then().statusCode(409);
        given().auth().oauth2(lastAdmin).get(GLOBEX_MEMBERS).then().statusCode(200);
    }

    @Test
    void a_role_change_from_a_stale_read_is_refused_and_changes_nothing() {
        String id = given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"username\":\"hana\",\"email\":\"hana@globex.example\",\"roles\":[\"tenant-member\"]}")
                .post(GLOBEX_MEMBERS).then().statusCode(201).extract().path("id");
        io.restassured.response.Response read = given().auth().oauth2(Tokens.bob()).get(GLOBEX_MEMBERS + "/" + id);
        read.then().statusCode(200).body("username", equalTo("hana")).body("roles", contains("tenant-member"));
        String tag = read.header("ETag");
        // Two admins read hana as a member; the first makes her a billing viewer too, the second's edit is refused.
        given().auth().oauth2(Tokens.bob()).header("If-Match", tag).contentType("application/json")
                .body("{\"roles\":[\"tenant-member\",\"billing-viewer\"]}").put(GLOBEX_MEMBERS + "/" + id).then()
                .statusCode(200);
        given().auth().oauth2(Tokens.bob()).header("If-Match", tag).contentType("application/json")
                .body("{\"roles\":[\"tenant-admin\"]}").put(GLOBEX_MEMBERS + "/" + id).then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_MEMBERS + "/" + id).then().statusCode(200)
                .body("roles", contains("billing-viewer", "tenant-member"));
        // Another tenant's member is not found from there.
        given().auth().oauth2(Tokens.alice()).get("/api/v1/tenants/" + DemoData.ACME + "/members/" + id).then()
                .statusCode(404).body("code", equalTo("MEMBER_NOT_FOUND"));
        given().auth().oauth2(Tokens.bob()).delete(GLOBEX_MEMBERS + "/" + id).then().statusCode(204);
    }

    @Test
    void the_last_tenant_admin_cannot_be_demoted_or_removed() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body("{\"roles\":[\"tenant-member\"]}")
                .put(BOB).then().statusCode(409).body("code", equalTo("LAST_TENANT_ADMIN"));
        given().auth().oauth2(Tokens.bob()).delete(BOB).then().statusCode(409).body("code", equalTo("LAST_TENANT_ADMIN"));
    }

    @Test
    void two_admins_who_demote_or_remove_each_other_at_once_leave_one_admin() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                city.myriad.support.World.Tenant tenant = city.myriad.support.World.tenant();
                String members = "/api/v1/tenants/" + tenant.id() + "/members";
                java.util.List<String> admins = new java.util.ArrayList<>();
                for (String name : java.util.List.of("p", "q")) {
                    admins.add(given().auth().oauth2(tenant.admin()).contentType("application/json")
                            .body("{\"username\":\"" + tenant.slug() + "-" + name + "\",\"email\":\"" + name + "@"
                                    + tenant.slug() + ".example\",\"roles\":[\"tenant-admin\"]}")
                            .post(members).then().statusCode(201).extract().path("id"));
                }
                boolean remove = round % 2 == 1;
                java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
                for (String id : admins) {
                    answers.add(pool.submit(() -> remove
                            ? given().auth().oauth2(tenant.admin()).delete(members + "/" + id).statusCode()
                            : given().auth().oauth2(tenant.admin()).contentType("application/json")
                                    .body("{\"roles\":[\"tenant-member\"]}").put(members + "/" + id).statusCode()));
                }
                java.util.List<Integer> statuses = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<Integer> a : answers) {
                    statuses.add(a.get());
                }
                statuses.sort(null);
                org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(remove ? 204 : 200, 409), statuses,
                        (remove ? "removals" : "demotions") + ": one lands, the other is the last admin's");
                java.util.List<java.util.List<String>> roles = given().auth().oauth2(tenant.admin()).get(members)
                        .path("items.roles");
                org.junit.jupiter.api.Assertions.assertEquals(1,
                        roles.stream().filter(r -> r.contains("tenant-admin")).count(), roles.toString());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_user_name_belongs_to_one_tenant_only() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"username\":\"amy\",\"email\":\"amy@globex.example\",\"roles\":[\"tenant-member\"]}")
                .post(GLOBEX_MEMBERS).then().statusCode(409).body("code", equalTo("USERNAME_TAKEN"));
    }

    @Test
    void only_tenant_roles_can_be_given() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"username\":\"eve\",\"email\":\"eve@globex.example\",\"roles\":[\"platform-admin\"]}")
                .post(GLOBEX_MEMBERS).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("UNKNOWN_ROLE"));
    }

    @Test
    void a_tenant_member_cannot_manage_members() {
        given().auth().oauth2(Tokens.amy()).contentType("application/json")
                .body("{\"username\":\"sneaky\",\"email\":\"s@acme.example\",\"roles\":[\"tenant-admin\"]}")
                .post("/api/v1/tenants/" + DemoData.ACME + "/members").then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
    }
}
