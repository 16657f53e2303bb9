package city.myriad.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.billing.service.BillingWorker;
import city.myriad.support.StripeStubs;
import city.myriad.support.Tokens;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A tenant's billing contact and its way to payment methods, through the HTTP API against the real database and the
 * real stripe-java client (WireMock answering with Stripe's own example objects). Each test makes a tenant of its
 * own, so that its Stripe customer is its own.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
@QuarkusTestResource(StripeStubs.class)
class BillingProfileTest {

    static final String CONTACT = "{\"email\":\"finance@initech.example\",\"legalName\":\"Initech Ltd\",\"address\":"
            + "{\"line1\":\"1 Science Avenue\",\"city\":\"Hangzhou\",\"postalCode\":\"310000\",\"country\":\"CN\"}}";

    @Inject
    BillingWorker billing;

    /** A new tenant, with tokens of its admin, a member and a billing viewer. */
    record Tenant(String id, String admin, String member, String viewer) {
        String path(String rest) {
            return "/api/v1/tenants/" + id + rest;
        }
    }

    static Tenant tenant() {
        String slug = "bp-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"slug\":\"" + slug + "\",\"name\":\"Initech " + slug + "\"}").post("/api/v1/tenants").then()
                .statusCode(201).extract().path("id");
        return new Tenant(id, Tokens.token("ada-" + slug, slug, null, "tenant-admin"),
                Tokens.token("mo-" + slug, slug, null, "tenant-member"),
                Tokens.token("vi-" + slug, slug, null, "billing-viewer"));
    }

    @Test
    void a_tenant_admin_sets_the_billing_contact_and_the_stripe_customer_carries_each_version() {
        Tenant t = tenant();
        given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("BILLING_PROFILE_NOT_FOUND"));

        // Bad input is refused with what to fix, and writes nothing.
        put(t.admin(), t, "{\"email\":\"not-an-email\"}", null).then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED")).body("errors.field", hasItem("email"));
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"address\":{\"line1\":\"1 Road\",\"country\":\"cn\"}}",
                null).then().statusCode(400).body("errors.field", hasItem("address.country"));
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"address\":{\"country\":\"CN\"}}", null).then()
                .statusCode(400).body("errors.field", hasItem("address.line1"));
        put(t.member(), t, CONTACT, null).then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(404);

        put(t.admin(), t, CONTACT, null).then().statusCode(200).body("version", equalTo(1))
                .body("email", equalTo("finance@initech.example")).body("legalName", equalTo("Initech Ltd"))
                .body("address.country", equalTo("CN")).body("address.line2", nullValue())
                .body("updatedBy", startsWith("ada-"))
                // No Stripe customer yet: it is made with the first invoice pushed or the portal opened.
                .body("stripeState", equalTo("PENDING")).body("stripeCustomerId", nullValue());
        given().auth().oauth2(t.viewer()).get(t.path("/billing-profile")).then().statusCode(200)
                .body("email", equalTo("finance@initech.example"));
        given().auth().oauth2(Tokens.bob()).get(t.path("/billing-profile")).then().statusCode(404)
                .body("code", equalTo("TENANT_NOT_FOUND"));

        // The portal: the customer is made (once, by Myriad's key), brought up to the contact, then a session opened.
        String customer = "cus_myriad-customer-" + t.id();
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"returnUrl\":\"https://portal.initech.example/billing\"}")
                .post(t.path("/billing-portal-sessions")).then().statusCode(201)
                .body("url", startsWith("https://billing.stripe.com/p/session/"))
                .body("returnUrl", equalTo("https://portal.initech.example/billing"))
                .body("stripeCustomerId", equalTo(customer));
        assertEquals(1, StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/customers"))
                .withHeader("Idempotency-Key", equalToKey("myriad-customer-" + t.id()))).size());
        String update = form(only(updatesOf(customer, 1)));
        assertTrue(update.contains("email=finance@initech.example") && update.contains("name=Initech Ltd")
                && update.contains("address[line1]=1 Science Avenue") && update.contains("address[country]=CN")
                && update.contains("address[line2]=&") && update.contains("address[state]="),
                "every part of the address, an absent one empty: " + update);
        String session = form(only(StripeStubs.server().findAll(postRequestedFor(
                urlPathEqualTo("/v1/billing_portal/sessions")).withRequestBody(containing(t.id())))));
        assertTrue(session.contains("customer=" + customer)
                && session.contains("return_url=https://portal.initech.example/billing"), session);
        String tag = given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(200)
                .body("stripeState", equalTo("SYNCED")).body("stripeCustomerId", equalTo(customer))
                .extract().header("ETag");

        // A change with a stale tag is refused and changes nothing; with the current one it lands, and the worker
        // brings the customer up to it (no address any more: Stripe's is cleared).
        put(t.admin(), t, "{\"email\":\"ap@initech.example\"}", "\"stale\"").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));
        put(t.admin(), t, "{\"email\":\"ap@initech.example\"}", tag).then().statusCode(200)
                .body("version", equalTo(2)).body("address", nullValue()).body("legalName", nullValue());
        JsonPath synced = untilSynced(t);
        assertEquals("ap@initech.example", synced.getString("email"));
        String second = form(only(updatesOf(customer, 2)));
        assertTrue(second.contains("email=ap@initech.example") && second.contains("address=")
                && second.contains("name=Initech bp-"), "the tenant's name when no legal name: " + second);

        String trail = given().auth().oauth2(t.admin()).get(t.path("/audit-events?limit=50")).then().statusCode(200)
                .extract().asString();
        assertEquals(2, count(trail, "\"setBillingProfile\""), trail);
        assertEquals(1, count(trail, "\"createBillingPortalSession\""), trail);
    }

    @Test
    void tax_ids_are_checked_as_stripe_types_them_and_the_customer_carries_exactly_the_contacts() {
        Tenant t = tenant();
        String vat = "{\"type\":\"eu_vat\",\"value\":\"DE123456789\"}";
        String tin = "{\"type\":\"cn_tin\",\"value\":\"91330100MA2H123456\"}";
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[" + vat + ",{\"type\":\"xx_nope\","
                + "\"value\":\"1\"}]}", null).then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("taxIds[1].type"));
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[" + vat + "," + vat + "]}", null).then()
                .statusCode(400).body("errors.field", hasItem("taxIds[1]"));
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[{\"type\":\"eu_vat\",\"value\":"
                + "\"<b>\"}]}", null).then().statusCode(400);
        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[" + String.join(",", java.util.Collections
                .nCopies(6, vat)) + "]}", null).then().statusCode(400).body("errors.field", hasItem("taxIds"));
        given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(404);

        put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[" + vat + "," + tin + "]}", null).then()
                .statusCode(200).body("taxIds.type", contains("eu_vat", "cn_tin"))
                .body("taxIds.value", contains("DE123456789", "91330100MA2H123456"));
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"returnUrl\":\"https://portal.initech.example/billing\"}")
                .post(t.path("/billing-portal-sessions")).then().statusCode(201);
        String customer = "cus_myriad-customer-" + t.id();
        List<LoggedRequest> created = taxIdsCreated(customer);
        // Each tax ID created once as Stripe counts it: one idempotency key each. The portal session's sync and the
        // background worker's may both send it (then Stripe answers the second with the first's tax ID), so the
        // requests are counted by key, not one by one.
        java.util.Set<String> keys = java.util.Set.of("myriad-customer-" + t.id() + "-profile-1-tax-eu_vat-DE123456789",
                "myriad-customer-" + t.id() + "-profile-1-tax-cn_tin-91330100MA2H123456");
        assertTrue(created.size() >= 2, "each tax ID created: " + created.size());
        assertEquals(keys, created.stream().map(r -> r.getHeader("Idempotency-Key"))
                .collect(java.util.stream.Collectors.toSet()), "each tax ID created once, under one key");
        assertTrue(created.stream().anyMatch(r -> form(r).contains("type=cn_tin")
                && form(r).contains("value=91330100MA2H123456")), form(created.get(0)));

        // The VAT number dropped: Stripe holds both, so the one no longer wanted is deleted, and nothing created.
        StubMapping held = StripeStubs.server().stubFor(get(urlPathEqualTo("/v1/customers/" + customer + "/tax_ids"))
                .atPriority(1).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"object\":\"list\",\"url\":\"/v1/customers/" + customer + "/tax_ids\","
                                + "\"has_more\":false,\"data\":[" + stripeTaxId("txi_vat", customer, "eu_vat",
                                "DE123456789") + "," + stripeTaxId("txi_tin", customer, "cn_tin",
                                "91330100MA2H123456") + "]}")));
        try {
            put(t.admin(), t, "{\"email\":\"f@initech.example\",\"taxIds\":[" + tin + "]}", null).then()
                    .statusCode(200).body("version", equalTo(2));
            untilSynced(t);
            assertEquals(1, StripeStubs.server().findAll(deleteRequestedFor(urlPathEqualTo("/v1/customers/" + customer
                    + "/tax_ids/txi_vat"))).size());
            assertEquals(0, StripeStubs.server().findAll(deleteRequestedFor(urlPathEqualTo("/v1/customers/" + customer
                    + "/tax_ids/txi_tin"))).size());
            assertEquals(keys, taxIdsCreated(customer).stream().map(r -> r.getHeader("Idempotency-Key"))
                    .collect(java.util.stream.Collectors.toSet()), "the one kept is not created again");
        } finally {
            StripeStubs.server().removeStub(held);
        }
    }

    static List<LoggedRequest> taxIdsCreated(String customer) {
        return StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/customers/" + customer + "/tax_ids")));
    }

    static String stripeTaxId(String id, String customer, String type, String value) {
        return "{\"id\":\"" + id + "\",\"object\":\"tax_id\",\"customer\":\"" + customer + "\",\"type\":\""
                + type + "\",\"value\":\"" + value + "\",\"country\":null,\"created\":1234567890,"
                + "\"livemode\":false,\"verification\":null}";
    }

    @Test
    void the_portal_needs_a_billing_contact_an_admin_and_a_return_url_that_is_a_url() {
        Tenant t = tenant();
        portal(t.admin(), t, "https://portal.initech.example/billing").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("BILLING_PROFILE_REQUIRED"));
        put(t.admin(), t, CONTACT, null).then().statusCode(200);
        for (String bad : List.of("javascript:alert(1)", "/billing", "ftp://portal.initech.example/",
                "https://user:pw@portal.initech.example/")) {
            portal(t.admin(), t, bad).then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                    .body("errors[0].field", equalTo("returnUrl"));
        }
        portal(t.member(), t, "https://portal.initech.example/billing").then().statusCode(403);
        portal(t.viewer(), t, "https://portal.initech.example/billing").then().statusCode(403);
        given().auth().oauth2(t.admin()).contentType("application/json").body("{}")
                .post(t.path("/billing-portal-sessions")).then().statusCode(400)
                .body("errors[0].field", equalTo("returnUrl"));
        assertTrue(StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/customers"))
                .withRequestBody(containing(t.id()))).isEmpty(), "nothing was asked of Stripe");
    }

    @Test
    void stripe_failing_the_contact_is_shown_and_retried_and_failing_the_portal_is_a_502() {
        Tenant t = tenant();
        String customer = "cus_myriad-customer-" + t.id();
        var refuseUpdate = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/customers/" + customer))
                .atPriority(1).willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"customers unavailable\"}}")));
        var refusePortal = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/billing_portal/sessions"))
                .atPriority(1).withRequestBody(containing(customer)).willReturn(aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"type\":"
                                + "\"invalid_request_error\",\"message\":\"No configuration provided\"}}")));
        try {
            put(t.admin(), t, CONTACT, null).then().statusCode(200);
            portal(t.admin(), t, "https://portal.initech.example/billing").then().statusCode(502)
                    .contentType("application/problem+json").body("code", equalTo("PAYMENT_PROVIDER_FAILED"))
                    .body("detail", containsString("No configuration provided"));
            given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(200)
                    .body("stripeState", equalTo("PENDING")).body("stripeCustomerId", equalTo(customer))
                    .body("stripeNote", equalTo("customers unavailable"));
        } finally {
            StripeStubs.server().removeStub(refuseUpdate);
            StripeStubs.server().removeStub(refusePortal);
        }
        untilSynced(t);
        portal(t.admin(), t, "https://portal.initech.example/billing").then().statusCode(201);
        assertEquals(1, StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/customers"))
                .withHeader("Idempotency-Key", equalToKey("myriad-customer-" + t.id()))).size(),
                "one customer, however often the portal is opened");
    }

    private JsonPath untilSynced(Tenant t) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            billing.roundNow();
            JsonPath p = given().auth().oauth2(t.admin()).get(t.path("/billing-profile")).then().statusCode(200)
                    .extract().jsonPath();
            if (p.getString("stripeState").equals("SYNCED")) {
                assertEquals(null, p.getString("stripeNote"));
                return p;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the Stripe customer never caught up: " + p.prettify());
            }
        }
    }

    private static io.restassured.response.Response put(String token, Tenant t, String body, String ifMatch) {
        var request = given().auth().oauth2(token).contentType("application/json").body(body);
        if (ifMatch != null) {
            request = request.header("If-Match", ifMatch);
        }
        return request.put(t.path("/billing-profile"));
    }

    private static io.restassured.response.Response portal(String token, Tenant t, String returnUrl) {
        return given().auth().oauth2(token).contentType("application/json")
                .body("{\"returnUrl\":\"" + returnUrl + "\"}").post(t.path("/billing-portal-sessions"));
    }

    private static List<LoggedRequest> updatesOf(String customer, long version) {
        return StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/customers/" + customer))
                .withHeader("Idempotency-Key", equalToKey(customer.substring("cus_".length()) + "-profile-"
                        + version)));
    }

    private static com.github.tomakehurst.wiremock.matching.StringValuePattern equalToKey(String key) {
        return com.github.tomakehurst.wiremock.client.WireMock.equalTo(key);
    }

    /** The one request (a retry of the same key would be a second). */
    private static LoggedRequest only(List<LoggedRequest> requests) {
        assertEquals(1, requests.size(), "requests: " + requests);
        return requests.get(0);
    }

    /** The form body as Stripe reads it, decoded. */
    private static String form(LoggedRequest request) {
        return URLDecoder.decode(request.getBodyAsString(), StandardCharsets.UTF_8);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
