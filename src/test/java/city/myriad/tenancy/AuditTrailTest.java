package city.myriad.tenancy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A tenant's audit trail (listAuditEvents): each change made through the contract is one event, written with the
 * change; refused, replayed and read calls write none; only the tenant's admins and platform admins read it; no row
 * of it can be changed or removed.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class AuditTrailTest {

    @Inject
    Pool pool;

    static String trail(World.Tenant t) {
        return "/api/v1/tenants/" + t.id() + "/audit-events";
    }

    static JsonPath events(String token, String url) {
        return given().auth().oauth2(token).get(url).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void each_change_is_one_event_naming_who_made_it_the_call_the_target_and_the_request() {
        World.Tenant t = World.tenant();
        String tenantPath = "/api/v1/tenants/" + t.id();
        Response added = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"username\":\"" + t.slug() + "-ines\",\"email\":\"ines@" + t.slug() + ".example\","
                        + "\"roles\":[\"tenant-member\"]}").post(tenantPath + "/members");
        added.then().statusCode(201);
        String member = added.path("id");
        Response reRoled = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"roles\":[\"tenant-member\",\"billing-viewer\"]}").put(tenantPath + "/members/" + member);
        reRoled.then().statusCode(200);
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"cards\":[],\"budget\":{\"amountMinor\":500000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put(tenantPath + "/quotas").then().statusCode(200);
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"cards\":[],\"budget\":{\"amountMinor\":100000,\"currency\":\"CNY\",\"period\":\"MONTH\"}}")
                .put(tenantPath + "/projects/" + t.projectId() + "/quotas").then().statusCode(200);
        String secret = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"http://127.0.0.1:9/hook\"}").put(tenantPath + "/webhook").then().statusCode(200)
                .extract().path("secret");
        String rolled = given().auth().oauth2(t.admin()).post(tenantPath + "/webhook/roll-secret").then()
                .statusCode(200).extract().path("secret");
        given().auth().oauth2(t.admin()).delete(tenantPath + "/webhook").then().statusCode(204);
        given().auth().oauth2(t.admin()).delete(tenantPath + "/members/" + member).then().statusCode(204);

        Response read = given().auth().oauth2(t.admin()).get(trail(t));
        read.then().statusCode(200).body("nextCursor", equalTo(null));
        JsonPath all = read.jsonPath();
        assertEquals(List.of("removeMember", "deleteWebhook", "rollWebhookSecret", "setWebhook", "setProjectQuotas",
                "setTenantQuotas", "setMemberRoles", "addMember", "createProject", "createTenant"),
                all.getList("items.action"), "newest first, one event a change");
        assertEquals(List.of("MEMBER", "WEBHOOK", "WEBHOOK", "WEBHOOK", "QUOTAS", "QUOTAS", "MEMBER", "MEMBER",
                "PROJECT", "TENANT"), all.getList("items.target.type"));
        assertEquals(List.of("TENANT_ADMIN", "TENANT_ADMIN", "TENANT_ADMIN", "TENANT_ADMIN", "TENANT_ADMIN",
                "PLATFORM_ADMIN", "TENANT_ADMIN", "TENANT_ADMIN", "TENANT_ADMIN", "PLATFORM_ADMIN"),
                all.getList("items.actor.role"));
        assertEquals(t.slug() + "-admin", all.getString("items[0].actor.username"));
        assertEquals("sub-" + t.slug() + "-admin", all.getString("items[0].actor.subject"));
        assertEquals("admin", all.getString("items[5].actor.username"));
        assertEquals(List.of(member, member), List.of(all.getString("items[0].target.id"),
                all.getString("items[7].target.id")));
        assertEquals(t.projectId(), all.getString("items[4].target.id"));
        assertEquals(t.id(), all.getString("items[5].target.id"));
        // What each change set.
        assertEquals(List.of("billing-viewer", "tenant-member"), all.getList("items[6].details.roles"));
        assertEquals(List.of("tenant-member"), all.getList("items[6].details.previousRoles"));
        assertEquals("CREATED", all.getString("items[7].details.account"));
        assertEquals(100000, all.getInt("items[4].details.quotas.budget.amountMinor"));
        assertEquals("http://127.0.0.1:9/hook", all.getString("items[3].details.url"));
        assertEquals("NEW", all.getString("items[3].details.secret"));
        assertNotNull(all.getString("items[2].details.previousSecretExpiresAt"));
        // The request that made it, as its answer named it; and never a secret.
        assertEquals(reRoled.header("X-Request-Id"), all.getString("items[6].requestId"));
        assertEquals(added.header("X-Request-Id"), all.getString("items[7].requestId"));
        assertFalse(read.asString().contains(secret) || read.asString().contains(rolled) || read.asString()
                .contains("whsec_"), "a signing secret in the audit trail");
        for (int i = 0; i < 10; i++) {
            assertEquals(t.id(), all.getString("items[" + i + "].tenantId"));
        }
    }

    @Test
    void a_refused_a_replayed_or_a_repeated_call_records_nothing_more() {
        World.Tenant t = World.tenant();
        String tenantPath = "/api/v1/tenants/" + t.id();
        String admin = t.slug() + "-admin";
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {  // the same creation twice under one key: one project, one event
            given().auth().oauth2(t.admin()).header("Idempotency-Key", key).contentType("application/json")
                    .body("{\"slug\":\"again\",\"name\":\"Again\"}").post(tenantPath + "/projects").then()
                    .statusCode(201);
        }
        // Refused: a stale If-Match (412), a member's attempt (403), an unknown cluster (404), a delete of nothing.
        String ines = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"username\":\"" + t.slug() + "-ines\",\"email\":\"ines@" + t.slug() + ".example\","
                        + "\"roles\":[\"tenant-member\"]}").post(tenantPath + "/members").then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(t.admin()).header("If-Match", "\"stale\"").contentType("application/json")
                .body("{\"roles\":[\"tenant-admin\"]}").put(tenantPath + "/members/" + ines).then().statusCode(412);
        given().auth().oauth2(t.admin()).header("If-Match", "\"stale\"").contentType("application/json")
                .body("{\"url\":\"http://127.0.0.1:9/hook\"}").put(tenantPath + "/webhook").then().statusCode(412);
        given().auth().oauth2(t.member()).contentType("application/json").body("{\"slug\":\"mine\",\"name\":\"M\"}")
                .post(tenantPath + "/projects").then().statusCode(403);
        given().auth().oauth2(t.admin()).contentType("application/json").body("{\"cards\":[{\"clusterId\":\""
                        + UUID.randomUUID() + "\",\"model\":\"ASCEND-910B\",\"limit\":1}]}")
                .put(tenantPath + "/projects/" + t.projectId() + "/quotas").then().statusCode(404);
        given().auth().oauth2(t.admin()).delete(tenantPath + "/webhook").then().statusCode(404);

        JsonPath all = events(t.admin(), trail(t) + "?actor=" + admin);
        assertEquals(List.of("addMember", "createProject", "createProject"), all.getList("items.action"),
                "the member, the project made twice under one key and the first project (World)");
        assertEquals(List.of("again", "work"), List.of(all.getString("items[1].details.slug"),
                all.getString("items[2].details.slug")));
    }

    @Test
    void the_trail_narrows_by_action_actor_target_and_time_and_pages_with_its_cursor() {
        World.Tenant t = World.tenant();
        String tenantPath = "/api/v1/tenants/" + t.id();
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < 5; i++) {
            given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"slug\":\"proj-" + i + "\",\"name\":\"P" + i + "\"}").post(tenantPath + "/projects").then()
                    .statusCode(201);
        }
        JsonPath first = events(t.admin(), trail(t) + "?action=createProject&limit=2");
        assertEquals(List.of("proj-4", "proj-3"), first.getList("items.details.slug"));
        String cursor = first.getString("nextCursor");
        JsonPath second = events(t.admin(), trail(t) + "?action=createProject&limit=2&cursor=" + cursor);
        assertEquals(List.of("proj-2", "proj-1"), second.getList("items.details.slug"));
        JsonPath third = events(t.admin(), trail(t) + "?action=createProject&limit=2&cursor="
                + second.getString("nextCursor"));
        assertEquals(List.of("proj-0", "work"), third.getList("items.details.slug"));
        assertEquals(null, third.getString("nextCursor"));
        // A cursor is for its own list and filters only.
        given().auth().oauth2(t.admin()).get(trail(t) + "?action=createTenant&limit=2&cursor=" + cursor).then()
                .statusCode(400).body("code", equalTo("INVALID_CURSOR"));

        assertEquals(List.of("createTenant"), events(Tokens.admin(), trail(t) + "?actor=admin").getList("items.action"));
        String p2 = third.getString("items[1].target.id");
        assertEquals(List.of("work"), events(t.admin(), trail(t) + "?targetId=" + p2).getList("items.details.slug"));
        assertEquals(5, events(t.admin(), trail(t) + "?from=" + before).getList("items").size());
        assertEquals(2, events(t.admin(), trail(t) + "?to=" + before).getList("items").size(),
                "the tenant and its first project");
        given().auth().oauth2(t.admin()).get(trail(t) + "?from=" + Instant.now().plus(Duration.ofDays(1))).then()
                .statusCode(200).body("items", empty());

        for (String bad : List.of("action=DROP%20TABLE", "from=yesterday", "to=2026-13-01T00:00:00Z",
                "from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", "limit=0", "color=red")) {
            given().auth().oauth2(t.admin()).get(trail(t) + "?" + bad).then().statusCode(400)
                    .contentType("application/problem+json");
        }
    }

    @Test
    void only_the_tenants_admins_and_platform_admins_read_its_trail() {
        World.Tenant t = World.tenant();
        World.Tenant other = World.tenant();
        given().auth().oauth2(t.member()).get(trail(t)).then().statusCode(403)
                .body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(t.viewer()).get(trail(t)).then().statusCode(403);
        // Anyone of no tenant or another one: not found, as every route of a tenant answers them.
        given().auth().oauth2(Tokens.olga()).get(trail(t)).then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(other.admin()).get(trail(t)).then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).get(trail(t)).then().statusCode(200)
                .body("items.action", contains("createProject", "createTenant"));
        // Another tenant's events are not found by id either: the filter runs inside the tenant's own rows.
        String othersProject = other.projectId();
        given().auth().oauth2(t.admin()).get(trail(t) + "?targetId=" + othersProject).then().statusCode(200)
                .body("items", empty());
    }

    @Test
    void no_event_can_be_changed_or_removed_even_by_the_services_own_database_role() {
        World.Tenant t = World.tenant();
        UUID tenant = UUID.fromString(t.id());
        RuntimeException update = assertThrows(RuntimeException.class, () -> inTenant(tenant,
                "update audit_events set actor = 'someone-else' where tenant_id = $1"));
        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        RuntimeException delete = assertThrows(RuntimeException.class, () -> inTenant(tenant,
                "delete from audit_events where tenant_id = $1"));
        assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
        assertEquals(List.of("createProject", "createTenant"), events(t.admin(), trail(t)).getList("items.action"));
        assertEquals(t.slug() + "-admin", events(t.admin(), trail(t)).getString("items[0].actor.username"));
    }

    @Test
    void purchases_and_cancellations_are_in_the_trail_once() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(2);
        Instant start = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS);
        String reservation = given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":8,\"startAt\":\"" + start + "\",\"endAt\":\""
                        + start.plus(Duration.ofHours(2)) + "\"}")
                .post("/api/v1/reservations").then().statusCode(201).extract().path("id");
        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + reservation + "/cancel").then().statusCode(200);
        given().auth().oauth2(t.admin()).post("/api/v1/reservations/" + reservation + "/cancel").then().statusCode(409);
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":16,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":600}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        for (int i = 0; i < 2; i++) {  // the second cancel finds it CANCELLED already: answered, not recorded
            given().auth().oauth2(t.member()).post("/api/v1/jobs/" + job + "/cancel").then().statusCode(200)
                    .body("state", equalTo("CANCELLED"));
        }

        JsonPath all = events(t.admin(), trail(t) + "?limit=3");
        assertEquals(List.of("cancelJob", "cancelReservation", "createReservation"), all.getList("items.action"));
        assertEquals(List.of(job, reservation, reservation), all.getList("items.target.id"));
        assertEquals("TENANT_MEMBER", all.getString("items[0].actor.role"), "a member cancels her own jobs");
        assertEquals(t.slug() + "-member", all.getString("items[0].actor.username"));
        assertEquals(8, all.getInt("items[2].details.cards"));
        assertEquals(cluster, all.getString("items[2].details.clusterId"));
        assertEquals(16000, all.getLong("items[2].details.totalPrice.amountMinor"), "8 cards x 2 h x 10.00");
        assertEquals(0, all.getLong("items[1].details.cancellationFee.amountMinor"), "cancelled three days ahead");
    }

    @Test
    void a_webhook_that_names_audit_recorded_receives_each_event_as_it_is_written() throws Exception {
        World.Tenant t = World.tenant();
        String hook = "/api/v1/tenants/" + t.id() + "/webhook";
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            receiver.secret = given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"url\":\"" + receiver.url() + "\"}").put(hook).then().statusCode(200).extract()
                    .path("secret");
            given().auth().oauth2(t.admin()).contentType("application/json").body("{\"url\":\"" + receiver.url()
                    + "\",\"keepSecret\":true,\"events\":[\"audit.recorded\"]}").put(hook).then().statusCode(200);
            given().auth().oauth2(t.admin()).contentType("application/json")
                    .body("{\"slug\":\"streamed\",\"name\":\"Streamed\"}").post("/api/v1/tenants/" + t.id()
                            + "/projects").then().statusCode(201);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));  // a wait for the sender, not a timing test
            while (receiver.bodies.size() < 2 && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            JsonPath trail = events(t.admin(), trail(t) + "?limit=2");
            assertEquals(List.of("createProject", "setWebhook"), trail.getList("items.action"));
            List<JsonPath> posted = receiver.bodies.stream().map(JsonPath::from).toList();
            assertEquals(2, posted.size(), "the second setWebhook (it names the type) and the project; not the first");
            assertEquals(java.util.Set.of("audit.recorded"), posted.stream().map(b -> b.getString("type"))
                    .collect(java.util.stream.Collectors.toSet()));
            assertEquals(java.util.Set.copyOf(trail.getList("items.id")), posted.stream()
                    .map(b -> b.getString("data.auditEventId")).collect(java.util.stream.Collectors.toSet()),
                    "each delivery names the event of the trail it reports");
            JsonPath project = posted.stream().filter(b -> b.getString("data.action").equals("createProject"))
                    .findFirst().orElseThrow();
            assertEquals("streamed", project.getString("data.details.slug"));
            assertEquals(t.slug() + "-admin", project.getString("data.actor.username"));
            assertEquals("TENANT_ADMIN", project.getString("data.actor.role"));
            assertEquals(trail.getString("items[0].requestId"), project.getString("data.requestId"));
            assertEquals(0, receiver.badSignatures.get(), "every delivery signed with the tenant's secret");
        }
    }

    @Test
    void an_operators_changes_are_in_its_own_trail_which_only_it_and_platform_admins_read() {
        String cluster = World.cluster(2);  // olga's: registered, two nodes imported, prices set
        String olgas = "/api/v1/operators/" + city.myriad.demo.DemoData.HANGZHOU + "/audit-events";
        JsonPath made = events(Tokens.olga(), olgas + "?targetId=" + cluster);
        assertEquals(List.of("setPrices", "importNodes", "createCluster"), made.getList("items.action"));
        assertEquals(List.of("PRICE_BOOK", "INVENTORY", "CLUSTER"), made.getList("items.target.type"));
        assertEquals(List.of("OPERATOR", "OPERATOR", "OPERATOR"), made.getList("items.actor.role"));
        assertEquals(2, made.getInt("items[1].details.nodes"));
        assertEquals(16, made.getInt("items[1].details.cards"));
        assertEquals(2, made.getInt("items[1].details.created"));
        assertEquals(1, made.getInt("items[0].details.version"));
        assertEquals(List.of(1000, 1200, 600), made.getList("items[0].details.prices.unitPrice.amountMinor"));
        assertEquals(city.myriad.demo.DemoData.HANGZHOU.toString(), made.getString("items[0].operatorId"));
        assertEquals(null, made.getString("items[0].tenantId"));

        String node = given().auth().oauth2(Tokens.olga()).get("/api/v1/clusters/" + cluster + "/nodes").then()
                .statusCode(200).extract().path("items[0].name");
        String state = "/api/v1/clusters/" + cluster + "/nodes/" + node + "/state";
        for (String s : List.of("DRAINING", "DRAINING", "AVAILABLE")) {  // the second is no change: not recorded
            given().auth().oauth2(Tokens.olga()).contentType("application/json").body("{\"state\":\"" + s + "\"}")
                    .put(state).then().statusCode(200);
        }
        JsonPath nodeTrail = events(Tokens.olga(), olgas + "?targetId=" + cluster + "/" + node);
        assertEquals(List.of("setNodeState", "setNodeState"), nodeTrail.getList("items.action"));
        assertEquals(List.of("AVAILABLE", "DRAINING"), nodeTrail.getList("items.details.state"));
        assertEquals(List.of("DRAINING", "AVAILABLE"), nodeTrail.getList("items.details.previousState"));

        // A new operator: its registration is its trail's first event; it cannot read olga's, nor a tenant either.
        String slug = "op-" + UUID.randomUUID().toString().substring(0, 8);
        String operator = given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Test operator\"}").post("/api/v1/operators").then()
                .statusCode(201).extract().path("id");
        String oscar = Tokens.token("oscar", null, slug, "operator");
        JsonPath own = events(oscar, "/api/v1/operators/" + operator + "/audit-events");
        assertEquals(List.of("createOperator"), own.getList("items.action"));
        assertEquals("PLATFORM_ADMIN", own.getString("items[0].actor.role"));
        given().auth().oauth2(oscar).get(olgas).then().statusCode(403).body("code", equalTo("NOT_YOUR_OPERATOR"));
        given().auth().oauth2(Tokens.alice()).get(olgas).then().statusCode(403)
                .body("code", equalTo("OPERATOR_ROLE_REQUIRED"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/operators/" + UUID.randomUUID() + "/audit-events").then()
                .statusCode(404).body("code", equalTo("OPERATOR_NOT_FOUND"));
        assertEquals(List.of("createOperator"), events(Tokens.admin(), "/api/v1/operators/" + operator
                + "/audit-events").getList("items.action"));
        // An operator's events are in no tenant's trail.
        given().auth().oauth2(Tokens.admin()).get("/api/v1/tenants/" + city.myriad.demo.DemoData.ACME
                + "/audit-events?targetId=" + cluster).then().statusCode(200).body("items", empty());
    }

    @Test
    void a_platform_admin_reads_what_one_account_did_across_every_trail_and_nobody_else_does() {
        World.Tenant one = World.tenant();
        World.Tenant two = World.tenant();
        String slug = "op-" + UUID.randomUUID().toString().substring(0, 8);
        String root = "root-" + UUID.randomUUID().toString().substring(0, 8);  // a platform admin of its own
        String token = Tokens.token(root, null, null, "platform-admin");
        String operator = given().auth().oauth2(token).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Op\"}").post("/api/v1/operators").then()
                .statusCode(201).extract().path("id");
        for (World.Tenant t : List.of(one, two)) {
            given().auth().oauth2(token).contentType("application/json").body("{\"cards\":[]}")
                    .put("/api/v1/tenants/" + t.id() + "/quotas").then().statusCode(200);
        }
        JsonPath everywhere = events(Tokens.admin(), "/api/v1/audit-events?actor=" + root);
        assertEquals(List.of("setTenantQuotas", "setTenantQuotas", "createOperator"),
                everywhere.getList("items.action"));
        assertEquals(java.util.Arrays.asList(two.id(), one.id(), null), everywhere.getList("items.tenantId"));
        assertEquals(java.util.Arrays.asList(null, null, operator), everywhere.getList("items.operatorId"));
        assertEquals(List.of("setTenantQuotas"), events(Tokens.admin(), "/api/v1/audit-events?actor=" + root
                + "&action=setTenantQuotas&limit=1").getList("items.action"));
        given().auth().oauth2(one.admin()).get("/api/v1/audit-events").then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        given().auth().oauth2(Tokens.olga()).get("/api/v1/audit-events").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).get("/api/v1/audit-events?from=soon").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
    }

    private void inTenant(UUID tenant, String sql) {
        pool.withTransaction(c -> c.preparedQuery("select set_config('myriad.tenant_id', $1, true)")
                .execute(Tuple.of(tenant.toString())).chain(() -> c.preparedQuery(sql).execute(Tuple.of(tenant))))
                .await().indefinitely();
    }
}
