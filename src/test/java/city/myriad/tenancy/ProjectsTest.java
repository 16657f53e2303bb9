package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Projects of a tenant: who may create them, idempotent creation, and cursor paging. */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class ProjectsTest {

    static final String GLOBEX_PROJECTS = "/api/v1/tenants/" + DemoData.GLOBEX + "/projects";

    @Test
    void a_tenant_admin_creates_a_project_and_its_members_see_it() {
        String acmeProjects = "/api/v1/tenants/" + DemoData.ACME + "/projects";
        Response created = given().auth().oauth2(Tokens.alice()).contentType("application/json")
                .body("{\"slug\":\"isolated\",\"name\":\"Isolated work\",\"description\":\"d\"}")
                .post(acmeProjects);
        created.then().statusCode(201);
        String id = created.path("id");
        org.junit.jupiter.api.Assertions.assertTrue(created.header("Location").endsWith(acmeProjects + "/" + id),
                created.header("Location"));
        given().auth().oauth2(Tokens.amy()).get(acmeProjects + "/" + id)
                .then().statusCode(200).body("slug", equalTo("isolated")).body("tenantId", equalTo(DemoData.ACME.toString()));
    }

    @Test
    void a_tenant_member_may_read_but_not_create() {
        String acmeProjects = "/api/v1/tenants/" + DemoData.ACME + "/projects";
        given().auth().oauth2(Tokens.amy()).contentType("application/json").body("{\"slug\":\"nope\",\"name\":\"No\"}")
                .post(acmeProjects).then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(Tokens.amy()).get(acmeProjects).then().statusCode(200);
    }

    @Test
    void a_duplicate_slug_is_a_conflict() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body("{\"slug\":\"llm\",\"name\":\"Again\"}")
                .post(GLOBEX_PROJECTS).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("PROJECT_SLUG_TAKEN"));
    }

    @Test
    void a_retry_with_the_same_key_returns_the_first_result_and_creates_nothing_new() {
        String key = UUID.randomUUID().toString();
        String body = "{\"slug\":\"idem\",\"name\":\"Idempotent\"}";
        Response first = create(key, body);
        first.then().statusCode(201);
        Response second = create(key, body);
        second.then().statusCode(201).header("Idempotent-Replayed", "true");
        assertEquals(first.asString(), second.asString());
        assertEquals(first.header("Location"), second.header("Location"));
        assertEquals(1, countSlug("idem"));
    }

    @Test
    void the_same_key_with_another_body_is_refused() {
        String key = UUID.randomUUID().toString();
        create(key, "{\"slug\":\"p-one\",\"name\":\"One\"}").then().statusCode(201);
        create(key, "{\"slug\":\"p-two\",\"name\":\"Two\"}").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        assertEquals(0, countSlug("p-two"));
    }

    @Test
    void concurrent_retries_create_exactly_one_project() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = "{\"slug\":\"racing\",\"name\":\"Racing retries\"}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> create(key, body), pool));
            }
            List<String> ids = new ArrayList<>();
            for (CompletableFuture<Response> c : calls) {
                Response r = c.get();
                assertEquals(201, r.statusCode(), r.asString());
                ids.add(r.path("id"));
            }
            assertEquals(1, ids.stream().distinct().count(), "every retry must see the one created project");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, countSlug("racing"));
    }

    @Test
    void lists_are_paged_with_an_opaque_cursor() {
        for (int i = 1; i <= 3; i++) {
            given().auth().oauth2(Tokens.bob()).contentType("application/json")
                    .body("{\"slug\":\"page-" + i + "\",\"name\":\"Page " + i + "\"}").post(GLOBEX_PROJECTS)
                    .then().statusCode(201);
        }
        Response first = given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?limit=2");
        first.then().statusCode(200).body("items", hasSize(2)).body("nextCursor", notNullValue());
        List<String> seen = new ArrayList<>(first.path("items.id"));
        String cursor = first.path("nextCursor");
        while (cursor != null) {
            Response next = given().auth().oauth2(Tokens.bob()).queryParam("cursor", cursor).get(GLOBEX_PROJECTS + "?limit=2");
            next.then().statusCode(200);
            List<String> ids = next.path("items.id");
            ids.forEach(id -> assertNotEquals(true, seen.contains(id), "a page repeated " + id));
            seen.addAll(ids);
            cursor = next.path("nextCursor");
        }
        List<String> all = given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?limit=500").path("items.id");
        assertEquals(all, seen, "paging yields every project once, in order");
    }

    @Test
    void a_bad_cursor_or_limit_is_a_clear_400() {
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?cursor=%%%").then().statusCode(400)
                .body("code", equalTo("INVALID_CURSOR"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?limit=0").then().statusCode(400)
                .body("code", equalTo("INVALID_LIMIT"));
        for (String limit : new String[] {"abc", "1.5", "2147483648", "-1", "501", "0x10"}) {
            given().auth().oauth2(Tokens.bob()).queryParam("limit", limit).get(GLOBEX_PROJECTS).then()
                    .statusCode(400).body("code", equalTo("INVALID_LIMIT")).body("errors[0].field", equalTo("limit"));
        }
    }

    @Test
    void location_never_comes_from_the_host_header() {
        given().auth().oauth2(Tokens.bob()).header("Host", "evil.example").contentType("application/json")
                .body("{\"slug\":\"hosted\",\"name\":\"Hosted\"}").post(GLOBEX_PROJECTS).then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.startsWith(GLOBEX_PROJECTS + "/"))
                .header("Location", org.hamcrest.Matchers.not(containsString("evil")));
    }

    @Test
    void lengths_count_characters_not_utf16_units_and_types_are_strict() {
        String emoji = "\uD83D\uDE80"; // one character, two UTF-16 units
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"slug\":\"rockets\",\"name\":\"" + emoji.repeat(200) + "\"}").post(GLOBEX_PROJECTS)
                .then().statusCode(201).body("name", equalTo(emoji.repeat(200)));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"slug\":\"rockets-2\",\"name\":\"" + emoji.repeat(201) + "\"}").post(GLOBEX_PROJECTS)
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED")).body("errors[0].field", equalTo("name"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"slug\":\"typed\",\"name\":123}").post(GLOBEX_PROJECTS)
                .then().statusCode(400).body("code", equalTo("INVALID_FIELD_TYPE"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"slug\":\"nul\",\"name\":\"a\\u0000b\"}").post(GLOBEX_PROJECTS)
                .then().statusCode(400).body("code", equalTo("INVALID_CHARACTER")).body("errors[0].field", equalTo("name"));
        given().auth().oauth2(Tokens.bob()).contentType("application/json")
                .body("{\"slug\":\"surrogate\",\"name\":\"a\\ud800b\"}").post(GLOBEX_PROJECTS)
                .then().statusCode(400).body("code", equalTo("INVALID_CHARACTER"));
        given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "/1-1-1-1-1").then().statusCode(400)
                .body("code", equalTo("INVALID_ID")).body("errors[0].field", equalTo("projectId"));
    }

    @Test
    void a_cursor_works_only_for_the_list_that_issued_it() {
        for (String slug : List.of("cursor-a", "cursor-b", "cursor-c")) {
            given().auth().oauth2(Tokens.bob()).contentType("application/json")
                    .body("{\"slug\":\"" + slug + "\",\"name\":\"Cursor\"}").post(GLOBEX_PROJECTS);
        }
        String cursor = given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?limit=1").path("nextCursor");
        // The same cursor on another list (the members of the same tenant) is refused and says why.
        given().auth().oauth2(Tokens.bob()).queryParam("cursor", cursor)
                .get("/api/v1/tenants/" + city.myriad.demo.DemoData.GLOBEX + "/members").then().statusCode(400)
                .body("code", equalTo("INVALID_CURSOR")).body("detail", containsString("another list"));
        // A cursor whose key was edited (to start anywhere) no longer verifies.
        String forged = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("00000000-0000-7000-8000-000000000000".getBytes()) + cursor.substring(cursor.indexOf('.'));
        given().auth().oauth2(Tokens.bob()).queryParam("cursor", forged).get(GLOBEX_PROJECTS).then()
                .statusCode(400).body("code", equalTo("INVALID_CURSOR"));
        // The plain base64 of an id, which the old cursors were, is malformed now.
        given().auth().oauth2(Tokens.bob()).queryParam("cursor", "MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDBlMTAx")
                .get(GLOBEX_PROJECTS).then().statusCode(400).body("code", equalTo("INVALID_CURSOR"))
                .body("detail", containsString("malformed"));
    }

    @Test
    void invalid_fields_are_listed() {
        given().auth().oauth2(Tokens.bob()).contentType("application/json").body("{\"slug\":\"Bad Slug!\",\"name\":\"\"}")
                .post(GLOBEX_PROJECTS).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("VALIDATION_FAILED"))
                .body("errors.field", org.hamcrest.Matchers.hasItems("slug", "name"))
                .body("nextCursor", nullValue());
    }

    private static Response create(String key, String body) {
        return given().auth().oauth2(Tokens.bob()).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post(GLOBEX_PROJECTS);
    }

    private static long countSlug(String slug) {
        List<String> slugs = given().auth().oauth2(Tokens.bob()).get(GLOBEX_PROJECTS + "?limit=500").path("items.slug");
        return slugs.stream().filter(slug::equals).count();
    }

    @Test
    void a_tenant_admin_renames_and_archives_a_project_which_takes_no_new_work_until_it_is_unarchived() {
        city.myriad.support.World.Tenant t = city.myriad.support.World.tenant();
        String cluster = city.myriad.support.World.cluster(1);
        String project = "/api/v1/tenants/" + t.id() + "/projects/" + t.projectId();
        String tag = given().auth().oauth2(t.admin()).get(project).then().statusCode(200)
                .body("state", equalTo("ACTIVE")).extract().header("ETag");
        String slug = given().auth().oauth2(t.admin()).get(project).then().extract().path("slug");

        // Renamed: only by its admins, with what to fix, not over a change made since.
        rename(t.member(), project, "{\"name\":\"Vision v2\"}", null).then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        rename(t.admin(), project, "{\"name\":\" \"}", null).then().statusCode(400)
                .body("errors[0].field", equalTo("name"));
        rename(t.admin(), project, "{\"name\":\"Vision v2\",\"slug\":\"other\"}", null).then().statusCode(400);
        rename(Tokens.bob(), project, "{\"name\":\"Vision v2\"}", null).then().statusCode(404);
        rename(t.admin(), project, "{\"name\":\"Vision v2\"}", "\"stale\"").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        rename(t.admin(), project, "{\"name\":\"Vision v2\",\"description\":\"second\"}", tag).then()
                .statusCode(200).body("name", equalTo("Vision v2")).body("description", equalTo("second"))
                .body("slug", equalTo(slug));

        // Archived: it reads as before, and takes no new job or reservation.
        given().auth().oauth2(t.member()).post(project + "/archive").then().statusCode(403);
        String archivedAt = given().auth().oauth2(t.admin()).post(project + "/archive").then().statusCode(200)
                .body("state", equalTo("ARCHIVED")).body("archivedBy", equalTo(t.slug() + "-admin"))
                .extract().path("archivedAt");
        given().auth().oauth2(t.admin()).post(project + "/archive").then().statusCode(200)
                .body("archivedAt", equalTo(archivedAt));
        String job = "{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                + "\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":60}";
        given().auth().oauth2(t.member()).contentType("application/json").body(job).post("/api/v1/jobs").then()
                .statusCode(409).contentType("application/problem+json").body("code", equalTo("PROJECT_ARCHIVED"));
        java.time.Instant start = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                .plus(java.time.Duration.ofDays(2));
        given().auth().oauth2(t.admin()).contentType("application/json").body("{\"clusterId\":\"" + cluster
                        + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":\"ASCEND-910B\",\"cards\":1,"
                        + "\"startAt\":\"" + start + "\",\"endAt\":\"" + start.plusSeconds(3600) + "\"}")
                .post("/api/v1/reservations").then().statusCode(409).body("code", equalTo("PROJECT_ARCHIVED"));
        given().auth().oauth2(t.member()).get("/api/v1/tenants/" + t.id() + "/projects").then().statusCode(200)
                .body("items.find { it.id == '" + t.projectId() + "' }.state", equalTo("ARCHIVED"));

        // Unarchived: new work again.
        given().auth().oauth2(t.admin()).post(project + "/unarchive").then().statusCode(200)
                .body("state", equalTo("ACTIVE")).body("archivedAt", org.hamcrest.Matchers.nullValue());
        given().auth().oauth2(t.member()).contentType("application/json").body(job).post("/api/v1/jobs").then()
                .statusCode(201);

        // A project holding a reservation to come is not archived (its cards are bought); once it is cancelled, it is.
        String reservation = given().auth().oauth2(t.admin()).contentType("application/json").body("{\"clusterId\":\""
                        + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":\"ASCEND-910B\",\"cards\":1,"
                        + "\"startAt\":\"" + start + "\",\"endAt\":\"" + start.plusSeconds(3600) + "\"}")
                .post("/api/v1/reservations").then().statusCode(201).extract().path("id");
        given().auth().oauth2(t.admin()).post(project + "/archive").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("PROJECT_HAS_RESERVATIONS"))
                .body("detail", org.hamcrest.Matchers.containsString(reservation));
        given().auth().oauth2(t.member()).get(project).then().body("state", equalTo("ACTIVE"));
        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + reservation + "/cancel").then()
                .statusCode(200);
        given().auth().oauth2(t.admin()).post(project + "/archive").then().statusCode(200)
                .body("state", equalTo("ARCHIVED"));
        given().auth().oauth2(t.admin()).post(project + "/unarchive").then().statusCode(200);
        String trail = given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/audit-events?targetId="
                + t.projectId()).then().statusCode(200).extract().asString();
        for (String action : java.util.List.of("updateProject", "archiveProject", "unarchiveProject")) {
            org.junit.jupiter.api.Assertions.assertEquals(action.equals("updateProject") ? 1 : 2,
                    trail.split("\"" + action + "\"", -1).length - 1, action + " in " + trail);
        }
    }

    private static Response rename(String token, String project, String body, String ifMatch) {
        var request = given().auth().oauth2(token).contentType("application/json").body(body);
        return (ifMatch == null ? request : request.header("If-Match", ifMatch)).put(project);
    }
}
