package city.myriad.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.billing.model.InvoiceState;
import city.myriad.billing.service.BillingWorker;
import city.myriad.metering.service.MeteringWorker;
import city.myriad.platform.money.Charges;
import city.myriad.support.FocusValidator;
import city.myriad.support.History;
import city.myriad.support.Periods;
import city.myriad.support.StripeStubs;
import city.myriad.support.Tokens;
import city.myriad.support.WebhookReceiver;
import city.myriad.support.World;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Billing through the HTTP API against the real database: past months of usage (written as the scheduling loop
 * writes ended runs), the meter, the close, the ledger, Stripe (the real stripe-java client against WireMock stubs
 * of Stripe's own objects), its webhooks, settlements and the FOCUS export. Each test bills a month of its own in
 * the past, so that tests never close each other's periods.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
@QuarkusTestResource(StripeStubs.class)
class BillingTest {

    @Inject
    MeteringWorker meter;

    @Inject
    BillingWorker billing;

    @Inject
    city.myriad.billing.service.Payments payments;

    @Inject
    Pool pool;

    static final long ON_DEMAND = 1200;

    /** A tenant's past month: its runs' charges and credits as the test computed them, independently of billing. */
    record Month(World.Tenant tenant, String cluster, String node, String period, long charged, long credited) {}

    Month month(String period, int runs, boolean withCredit) {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        String node = slug(cluster) + "-n1";
        Instant start = Instant.parse(period + "-03T08:00:00Z");
        long charged = 0;
        long credited = 0;
        for (int i = 0; i < runs; i++) {
            // Odd lengths and card counts, across hour boundaries: rounding shows if it is wrong.
            Instant s = start.plus(Duration.ofHours(5L * i)).plusSeconds(17 * i);
            Instant e = s.plusSeconds(3 * 3600 + 1234 + 71 * i);
            int cards = 1 + (i % 8);
            boolean credit = withCredit && i == runs - 1;
            History.ran(pool, t.id(), t.projectId(), cluster, node, cards, s, e, ON_DEMAND, "ON_DEMAND", credit);
            long charge = Charges.of(ON_DEMAND, cards * 1000, Duration.between(s, e));
            charged += charge;
            credited += credit ? charge : 0;
        }
        return new Month(t, cluster, node, period, charged, credited);
    }

    static String slug(String cluster) {
        return given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster).then().statusCode(200)
                .extract().path("slug");
    }

    JsonPath invoiceOf(String token, String period) {
        List<Map<String, Object>> items = given().auth().oauth2(token).queryParam("period", period)
                .get("/api/v1/invoices").then().statusCode(200).extract().jsonPath().getList("items");
        assertEquals(1, items.size(), "one invoice per tenant, period and currency: " + items);
        return given().auth().oauth2(token).get("/api/v1/invoices/" + items.get(0).get("id")).then().statusCode(200)
                .extract().jsonPath();
    }

    static JsonPath close(String period) {
        return Periods.close(period);
    }

    long sql(String query, Object... args) {
        Row r = pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely().iterator().next();
        return r.getValue(0) == null ? 0 : r.getLong(0);
    }

    String sqlText(String query, Object... args) {
        return pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely().iterator().next()
                .getString(0);
    }

    void grant(World.Tenant t, long minor, String key) {
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("Idempotency-Key", key)
                .body("{\"amount\":{\"amountMinor\":" + minor + ",\"currency\":\"CNY\"},\"reason\":\"welcome\"}")
                .post("/api/v1/tenants/" + t.id() + "/credits").then().statusCode(201);
    }

    @Test
    void a_month_is_rated_and_invoiced_once_and_every_figure_reconciles_to_the_minor_unit() {
        Month m = month("2024-03", 6, true);
        UUID reservation = History.reserved(pool, m.tenant().id(), m.tenant().projectId(), m.cluster(), 8,
                Instant.parse("2024-03-20T00:00:00Z"), Instant.parse("2024-03-21T00:00:00Z"), 192_000,
                Instant.parse("2024-03-10T00:00:00Z"), null, null);
        grant(m.tenant(), 5_000, "grant-" + m.tenant().id());
        grant(m.tenant(), 5_000, "grant-" + m.tenant().id()); // a retry: posted once
        meter.drain();

        // The draft follows usage as it is rated: this month's bill at any time.
        JsonPath draft = invoiceOf(m.tenant().viewer(), "2024-03");
        assertEquals("DRAFT", draft.getString("state"));
        long expectedSubtotal = m.charged() - m.credited() + 192_000;
        assertEquals(expectedSubtotal, draft.getLong("subtotal.amountMinor"));
        assertEquals(5_000, draft.getLong("creditApplied.amountMinor"));
        assertEquals(expectedSubtotal - 5_000, draft.getLong("total.amountMinor"));

        JsonPath closed = close("2024-03");
        assertEquals("CLOSED", closed.getString("state"));
        assertNotNull(closed.getString("invoicedAt"));
        long transactions = sql("select count(*) from ledger_transactions");
        long lines = sql("select count(*) from invoice_lines");
        assertEquals(closed.getInt("invoiceCount"), close("2024-03").getInt("invoiceCount"), "closing again");
        assertEquals(transactions, sql("select count(*) from ledger_transactions"), "closing twice posts nothing");
        assertEquals(lines, sql("select count(*) from invoice_lines"));
        // The close is a platform-wide act: one event in the platform's trail, of no tenant or operator, none for
        // the repeated close; no tenant's trail shows it.
        JsonPath trail = given().auth().oauth2(Tokens.admin())
                .get("/api/v1/audit-events?action=closePeriod&targetId=2024-03").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(1, trail.getList("items").size(), trail.prettify());
        assertNull(trail.get("items[0].tenantId"));
        assertNull(trail.get("items[0].operatorId"));
        assertEquals("BILLING_PERIOD", trail.getString("items[0].target.type"));
        assertEquals("PLATFORM_ADMIN", trail.getString("items[0].actor.role"));
        assertEquals(closed.getInt("invoiceCount"), trail.getInt("items[0].details.invoices"));
        given().auth().oauth2(m.tenant().admin()).get("/api/v1/tenants/" + m.tenant().id()
                + "/audit-events?action=closePeriod").then().statusCode(200).body("items.size()", equalTo(0));

        JsonPath invoice = invoiceOf(m.tenant().viewer(), "2024-03");
        String id = invoice.getString("id");
        assertEquals("ISSUED", invoice.getString("state"));
        assertTrue(invoice.getString("number").startsWith("MYR-202403-"));
        long total = invoice.getLong("total.amountMinor");
        // The invariant: total = sum of lines = the ledger's movement for the invoice = the rated usage.
        List<Long> amounts = invoice.getList("lines.amount.amountMinor", Long.class);
        assertEquals(total, amounts.stream().mapToLong(Long::longValue).sum());
        assertEquals(total, sql("""
                select sum(e.amount_minor) from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                 where t.kind = 'INVOICE_ISSUED' and t.invoice_id = $1 and e.account = 'TENANT_RECEIVABLE'""",
                UUID.fromString(id)));
        assertEquals(expectedSubtotal - 5_000, total);
        assertEquals(m.charged(), sql("select sum(cost_minor) from usage_rollups where tenant_id = $1 and period = "
                + "'2024-03'", UUID.fromString(m.tenant().id())));
        assertEquals(m.charged(), sql("select sum(cost_minor) from usage_charges where tenant_id = $1",
                UUID.fromString(m.tenant().id())), "the per-job charges sum to the rollups");
        assertEquals(0, sql("""
                select count(*) from (select transaction_id, currency from ledger_entries
                                       group by transaction_id, currency having sum(amount_minor) <> 0) x"""),
                "every ledger transaction sums to zero");

        // Every line traces to its source.
        List<String> kinds = invoice.getList("lines.kind");
        assertEquals(List.of("USAGE", "PREEMPTION_CREDIT", "RESERVATION", "PREPAID_CREDIT"), kinds);
        assertEquals(reservation.toString(), invoice.getString("lines[2].reservationId"));
        assertEquals("ON_DEMAND", invoice.getString("lines[0].class"), "the contract's name for the price class");
        assertTrue(invoice.getString("lines[0].source").startsWith("usage_rollups period=2024-03"));

        // Balances are queries over the ledger.
        JsonPath balance = given().auth().oauth2(m.tenant().viewer()).get("/api/v1/tenants/" + m.tenant().id()
                + "/balance").then().statusCode(200).extract().jsonPath();
        assertEquals(total, balance.getLong("balances[0].receivable.amountMinor"));
        assertEquals(0, balance.getLong("balances[0].prepaidCredit.amountMinor"), "the credit was consumed whole");
        assertEquals("GOOD", balance.getString("standing"));

        // The printable invoice.
        given().auth().oauth2(m.tenant().viewer()).accept("text/html").get("/api/v1/invoices/" + id).then()
                .statusCode(200).contentType(containsString("text/html"))
                .body(containsString(invoice.getString("number")), containsString("Total due"));
    }

    @Test
    void usage_metered_after_its_period_closed_is_an_adjustment_line_on_the_next_invoice() {
        Month m = month("2024-05", 2, false);
        meter.drain();
        close("2024-05");
        long first = invoiceOf(m.tenant().viewer(), "2024-05").getLong("total.amountMinor");
        assertEquals(m.charged(), first);
        // A run of May the meter had not seen before the close.
        Instant s = Instant.parse("2024-05-31T20:00:00Z");
        History.ran(pool, m.tenant().id(), m.tenant().projectId(), m.cluster(), m.node(), 2, s, s.plusSeconds(5000),
                ON_DEMAND);
        meter.drain();
        close("2024-06");
        JsonPath june = invoiceOf(m.tenant().viewer(), "2024-06");
        assertEquals(List.of("ADJUSTMENT"), june.getList("lines.kind"));
        assertEquals(Charges.of(ON_DEMAND, 2000, Duration.ofSeconds(5000)), june.getLong("total.amountMinor"));
        assertEquals(first, invoiceOf(m.tenant().viewer(), "2024-05").getLong("total.amountMinor"),
                "an issued invoice never changes");
    }

    @Test
    void invoices_go_to_stripe_with_keys_from_myriad_ids_and_a_signed_paid_webhook_marks_them_paid_once() {
        Month m = month("2024-07", 3, false);
        subscribe(m.tenant(), "http://127.0.0.1:9/hook", "[\"invoice.paid\",\"invoice.refunded\"]");
        meter.drain();
        close("2024-07");
        JsonPath invoice = invoiceOf(m.tenant().viewer(), "2024-07");
        String id = invoice.getString("id");
        long total = invoice.getLong("total.amountMinor");
        JsonPath pushed = untilPushed(m.tenant().viewer(), id);
        String stripeId = pushed.getString("stripeInvoiceId");
        assertEquals("in_myriad-invoice-" + id, stripeId);
        List<LoggedRequest> items = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems")))
                .stream().filter(r -> r.getBodyAsString().contains(id)).toList();
        assertEquals(Set.of("myriad-invoice-" + id + "-line-1"), keys(items), "one line, one invoice item");
        assertTrue(items.get(0).getBodyAsString().contains("amount=" + total));
        List<LoggedRequest> finalizes = StripeStubs.server().findAll(
                postRequestedFor(urlPathMatching("/v1/invoices/" + stripeId + "/finalize")));
        assertEquals(Set.of("myriad-invoice-" + id + "-finalize"), keys(finalizes), "finalized once");
        // Made a draft Stripe leaves alone, finalized with automatic collection on: Stripe charges it, and retries.
        String create = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices"))).stream()
                .filter(r -> r.getBodyAsString().contains(id)).findFirst().orElseThrow().getBodyAsString();
        assertTrue(create.contains("auto_advance=false") && create.contains("collection_method=charge_automatically"),
                create);
        assertTrue(finalizes.get(0).getBodyAsString().contains("auto_advance=true"), finalizes.get(0).getBodyAsString());
        assertEquals("CHARGE_AUTOMATICALLY", pushed.getString("collectionMethod"));
        assertEquals("https://invoice.stripe.com/i/acct_test/" + stripeId, pushed.getString("hostedInvoiceUrl"),
                "where a failed charge is paid another way");
        assertEquals("https://pay.stripe.com/invoice/acct_test/" + stripeId + "/pdf",
                pushed.getString("invoicePdfUrl"));
        assertTrue(given().auth().oauth2(m.tenant().viewer()).accept("text/html").get("/api/v1/invoices/" + id).then()
                .statusCode(200).extract().asString().contains("<a href=\"https://pay.stripe.com/invoice/acct_test/"
                        + stripeId + "/pdf\">"), "the printable invoice links Stripe's PDF");

        // A push that crashed after its first line resumes after it, with the same keys: nothing twice.
        sqlRun("update stripe_pushes set state = 'PENDING', lines_pushed = 1, next_attempt_at = now() "
                + "where invoice_id = $1", UUID.fromString(id));
        untilPushed(m.tenant().viewer(), id);
        assertEquals(Set.of("myriad-invoice-" + id + "-line-1"), keys(StripeStubs.server().findAll(
                postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))).stream()
                .filter(r -> r.getBodyAsString().contains(id)).toList()), "the first line is not pushed again");

        // Forged and unsigned webhooks change nothing.
        String paid = paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.paid");
        given().contentType("application/json").header("Stripe-Signature", StripeStubs.sign(paid, "whsec_forged"))
                .body(paid).post("/api/v1/stripe/webhooks").then().statusCode(400)
                .body("code", equalTo("INVALID_SIGNATURE"));
        given().contentType("application/json").body(paid).post("/api/v1/stripe/webhooks").then().statusCode(400)
                .body("code", equalTo("INVALID_SIGNATURE"));
        assertEquals("ISSUED", invoiceOf(m.tenant().viewer(), "2024-07").getString("state"));

        // The signed one marks it paid; again, nothing more.
        signed(paid).then().statusCode(200).body("outcome", equalTo("PAID"));
        signed(paid).then().statusCode(200).body("duplicate", equalTo(true));
        // Out of order: a failure reported after the payment changes nothing.
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.payment_failed")).then().statusCode(200)
                .body("outcome", equalTo("IGNORED_PAID"));
        JsonPath after = invoiceOf(m.tenant().viewer(), "2024-07");
        assertEquals("PAID", after.getString("state"));
        assertEquals(0, given().auth().oauth2(m.tenant().viewer()).get("/api/v1/tenants/" + m.tenant().id()
                + "/balance").then().statusCode(200).extract().jsonPath().getLong("balances[0].receivable.amountMinor"));
        assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'PAYMENT' and invoice_id = $1",
                UUID.fromString(id)));

        // A refund, told twice: recorded once, as the cumulative figure says.
        ObjectNode charge = StripeStubs.object("charge");
        charge.put("id", "ch_" + UUID.randomUUID());
        charge.put("invoice", stripeId);
        charge.put("amount_refunded", 500);
        String refund = StripeStubs.event("evt_" + UUID.randomUUID(), "charge.refunded", charge);
        signed(refund).then().statusCode(200).body("outcome", equalTo("REFUNDED"));
        String sameRefund = StripeStubs.event("evt_" + UUID.randomUUID(), "charge.refunded", charge);
        signed(sameRefund).then().statusCode(200).body("outcome", equalTo("ALREADY_REFUNDED"));
        assertEquals(500, invoiceOf(m.tenant().viewer(), "2024-07").getLong("refunded.amountMinor"));
        // Its webhook was told of the payment and of the refund once each, however often Stripe told Myriad.
        assertEquals(1, events(m.tenant(), "invoice.paid"));
        assertEquals(1, events(m.tenant(), "invoice.refunded"));
        assertEquals(0, events(m.tenant(), "invoice.issued"), "a type it does not name");
    }

    @Test
    void a_void_reaches_stripe_a_push_not_finished_never_finalizes_and_an_open_invoice_is_voided_there() {
        Month open = month("2024-04", 1, false);
        Month unpushed = month("2024-04", 2, false);
        // Stripe refuses the second tenant's Customer for now: its push fails and waits to retry.
        var refuse = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/customers")).atPriority(1)
                .withRequestBody(containing(unpushed.tenant().id().toString()))
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}")));
        String openId;
        String unpushedId;
        String stripeId;
        try {
            meter.drain();
            close("2024-04");
            openId = invoiceOf(open.tenant().viewer(), "2024-04").getString("id");
            unpushedId = invoiceOf(unpushed.tenant().viewer(), "2024-04").getString("id");
            stripeId = untilPushed(open.tenant().viewer(), openId).getString("stripeInvoiceId");
            untilTried(unpushedId);
            JsonPath waiting = invoiceOf(unpushed.tenant().viewer(), "2024-04");
            assertEquals("PENDING", waiting.getString("stripeState"), "a failed push waits to retry");
            assertEquals("unavailable", waiting.getString("stripeNote"), "Stripe's error, for an admin to read");
            for (String id : List.of(openId, unpushedId)) {
                given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/void").then().statusCode(200)
                        .body("state", equalTo("VOID"));
            }
        } finally {
            StripeStubs.server().removeStub(refuse);
        }
        // Stripe answers again, and the retry is due: the voided push is not taken up.
        sqlRun("update stripe_pushes set next_attempt_at = now() where invoice_id = $1", UUID.fromString(unpushedId));
        Instant deadline = Instant.now().plusSeconds(30);
        String openState = null;
        while (Instant.now().isBefore(deadline)) {
            billing.roundNow();
            openState = invoiceOf(open.tenant().viewer(), "2024-04").getString("stripeState");
            if (openState.equals("VOIDED")) {
                break;
            }
            sleep(100);
        }
        assertEquals("VOIDED", openState, "the invoice open in Stripe is voided there");
        assertEquals(Set.of("myriad-invoice-" + openId + "-void"), keys(StripeStubs.server().findAll(
                postRequestedFor(urlPathEqualTo("/v1/invoices/" + stripeId + "/void")))), "voided, by one key");
        // A push already running when the void came (the worker retries every half second) may have made a Stripe
        // draft after it: that draft is deleted, never finalized. Either way nothing of it is left open in Stripe.
        String unpushedStripeId = "in_myriad-invoice-" + unpushedId;
        deadline = Instant.now().plusSeconds(30);
        while (!draftGone(unpushedId, unpushedStripeId) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
            sleep(100);
        }
        assertTrue(draftGone(unpushedId, unpushedStripeId), "a Stripe invoice made for the voided one is deleted");
        assertEquals("SKIPPED", invoiceOf(unpushed.tenant().viewer(), "2024-04").getString("stripeState"));
        assertEquals(0, requests("/v1/invoices/" + unpushedStripeId + "/finalize"), "never finalized in Stripe");
        assertEquals(0, requests("/v1/invoices/" + unpushedStripeId + "/void"), "a draft is deleted, not voided");
        billing.roundNow();
        assertEquals(Set.of("myriad-invoice-" + openId + "-void"), keys(StripeStubs.server().findAll(
                postRequestedFor(urlPathEqualTo("/v1/invoices/" + stripeId + "/void")))), "voided once");
    }

    /** Whether no Stripe invoice was made for this voided one, or the one made was deleted, its row settled. */
    boolean draftGone(String invoiceId, String stripeId) {
        boolean made = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices"))).stream()
                .anyMatch(r -> r.getBodyAsString().contains(invoiceId));
        boolean settled = sql("select count(*) from stripe_pushes where invoice_id = $1 and state = 'SKIPPED'",
                UUID.fromString(invoiceId)) == 1;
        return settled && (!made || deletes(stripeId) > 0);
    }

    /**
     * The idempotency keys of these Stripe requests: what Stripe acts on. The JDK's HTTP client may send a POST
     * again itself when a kept-alive connection drops, and a retry sends its key again; Stripe answers a key it has
     * seen with its first answer, so "once" means one key, however many requests carried it.
     */
    static Set<String> keys(List<LoggedRequest> requests) {
        assertTrue(requests.stream().allMatch(r -> r.getHeader("Idempotency-Key") != null),
                "every POST to Stripe carries an idempotency key");
        return requests.stream().map(r -> r.getHeader("Idempotency-Key")).collect(Collectors.toSet());
    }

    static int requests(String path) {
        return StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo(path))).size();
    }

    static int deletes(String stripeId) {
        return StripeStubs.server().findAll(deleteRequestedFor(urlPathEqualTo("/v1/invoices/" + stripeId))).size();
    }

    @Test
    void a_void_after_the_push_made_a_stripe_invoice_deletes_a_draft_voids_an_open_one_and_leaves_a_paid_one_to_an_admin() {
        Month draft = month("2025-06", 1, false);
        Month open = month("2025-06", 1, false);
        Month paid = month("2025-06", 1, false);
        List<Month> all = List.of(draft, open, paid);
        // Stripe takes the three invoices but refuses their items for now: each push stops with a Stripe invoice made.
        List<StubMapping> stubs = new ArrayList<>();
        for (Month m : all) {
            stubs.add(StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/invoiceitems")).atPriority(1)
                    .withRequestBody(containing(m.tenant().id().toString()))
                    .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                            .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}"))));
        }
        Map<Month, String> ids = new HashMap<>();
        Map<Month, String> stripeIds = new HashMap<>();
        try {
            meter.drain();
            close("2025-06");
            for (Month m : all) {
                String id = invoiceOf(m.tenant().viewer(), "2025-06").getString("id");
                ids.put(m, id);
                untilTried(id);
                JsonPath pending = invoiceOf(m.tenant().viewer(), "2025-06");
                assertEquals("PENDING", pending.getString("stripeState"), "its items refused, the push waits");
                stripeIds.put(m, pending.getString("stripeInvoiceId"));
                assertEquals("in_myriad-invoice-" + id, stripeIds.get(m), "the Stripe invoice was made");
            }
            // What Stripe holds, as Myriad never heard: one finalized (its answer lost), one paid there already.
            stubs.add(stubStatus(stripeIds.get(open), "open"));
            stubs.add(stubStatus(stripeIds.get(paid), "paid"));
            for (Month m : all) {
                given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + ids.get(m) + "/void").then()
                        .statusCode(200).body("state", equalTo("VOID"));
            }
            Instant deadline = Instant.now().plusSeconds(30);
            while (sql("select count(*) from stripe_pushes where invoice_id = any($1) and state = 'VOID_PENDING'",
                    (Object) ids.values().stream().map(UUID::fromString).toArray(UUID[]::new)) > 0
                    && Instant.now().isBefore(deadline)) {
                billing.roundNow();
                sleep(100);
            }
        } finally {
            stubs.forEach(StripeStubs.server()::removeStub);
        }
        JsonPath draftView = invoiceOf(draft.tenant().viewer(), "2025-06");
        assertEquals("SKIPPED", draftView.getString("stripeState"));
        assertEquals("voided before it was finalized; its Stripe draft " + stripeIds.get(draft) + " deleted",
                draftView.getString("stripeNote"));
        assertEquals(1, deletes(stripeIds.get(draft)), "the draft is deleted in Stripe");
        assertEquals(0, requests("/v1/invoices/" + stripeIds.get(draft) + "/void"));

        JsonPath openView = invoiceOf(open.tenant().viewer(), "2025-06");
        assertEquals("VOIDED", openView.getString("stripeState"));
        assertNull(openView.getString("stripeNote"), "the items' refusals are behind it: " + openView.get());
        assertEquals(Set.of("myriad-invoice-" + ids.get(open) + "-void"), keys(StripeStubs.server().findAll(
                postRequestedFor(urlPathEqualTo("/v1/invoices/" + stripeIds.get(open) + "/void")))),
                "the invoice Stripe finalized is voided there, by one key");
        assertEquals(0, deletes(stripeIds.get(open)));

        JsonPath paidView = given().auth().oauth2(Tokens.admin()).get("/api/v1/invoices/" + ids.get(paid)).then()
                .statusCode(200).extract().jsonPath();
        assertEquals("VOID_FAILED", paidView.getString("stripeState"),
                "money Stripe took is an admin's to refund, not the pusher's to undo");
        assertEquals("paid in Stripe before Myriad's void: refund it there", paidView.getString("stripeNote"));
        assertEquals(0, requests("/v1/invoices/" + stripeIds.get(paid) + "/void"));
        assertEquals(0, deletes(stripeIds.get(paid)));
        for (Month m : all) {
            assertEquals(0, requests("/v1/invoices/" + stripeIds.get(m) + "/finalize"), "none finalized by Myriad");
        }
        billing.roundNow();
        assertEquals(1, deletes(stripeIds.get(draft)), "a settled row is not taken up again");
        assertEquals(1, requests("/v1/invoices/" + stripeIds.get(open) + "/void"), "a settled row is not taken up again");
    }

    @Test
    void a_push_running_when_the_void_comes_never_finalizes_and_the_draft_it_makes_is_deleted() {
        Month m = month("2025-07", 1, false);
        // Stripe takes six seconds to answer this tenant's invoice create: the void lands while the push waits.
        StubMapping slow = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/invoices")).atPriority(1)
                .withRequestBody(containing(m.tenant().id().toString()))
                .willReturn(aResponse().withFixedDelay(6_000).withStatus(200)
                        .withHeader("Content-Type", "application/json").withBody(slowInvoice())));
        String id;
        try {
            meter.drain();
            close("2025-07");
            id = invoiceOf(m.tenant().viewer(), "2025-07").getString("id");
            Instant deadline = Instant.now().plusSeconds(30);
            while (StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices"))
                    .withRequestBody(containing(id))).isEmpty() && Instant.now().isBefore(deadline)) {
                sleep(20);
            }
            assertNull(invoiceOf(m.tenant().viewer(), "2025-07").getString("stripeInvoiceId"), "still waiting");
            given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/void").then().statusCode(200)
                    .body("state", equalTo("VOID"));
            assertEquals("VOID_PENDING", invoiceOf(m.tenant().viewer(), "2025-07").getString("stripeState"),
                    "no Stripe id yet, but the create was sent: the void goes to Stripe");
            String stripeId = "in_myriad-invoice-" + id;
            deadline = Instant.now().plusSeconds(30);
            while (!draftGone(id, stripeId) && Instant.now().isBefore(deadline)) {
                billing.roundNow();
                sleep(100);
            }
            assertEquals(1, deletes(stripeId), "the draft the running push made is deleted");
            assertEquals(0, requests("/v1/invoices/" + stripeId + "/finalize"), "never finalized");
            assertEquals("SKIPPED", invoiceOf(m.tenant().viewer(), "2025-07").getString("stripeState"));
        } finally {
            StripeStubs.server().removeStub(slow);
        }
    }

    @Test
    void an_invoice_create_whose_answer_was_lost_is_found_in_stripe_taken_by_the_retry_and_deleted_by_a_void() {
        Month retried = month("2025-08", 1, false);
        Month voided = month("2025-08", 2, false);
        List<Month> both = List.of(retried, voided);
        // Stripe makes each invoice but the answer never comes back (the connection drops), and for now its list of
        // the customer's invoices is unavailable: a retry must not create a second invoice without looking first.
        List<StubMapping> stubs = new ArrayList<>();
        Map<Month, String> ids = new HashMap<>();
        for (Month m : both) {
            stubs.add(StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/invoices")).atPriority(1)
                    .withRequestBody(containing(m.tenant().id().toString()))
                    .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))));
        }
        Map<Month, StubMapping> lists = new HashMap<>();
        Map<Month, Integer> firstAttempt = new HashMap<>();
        for (Month m : both) {
            lists.put(m, StripeStubs.server().stubFor(get(urlPathEqualTo("/v1/invoices")).atPriority(2)
                    .withQueryParam("customer", WireMock.equalTo(customerOf(m)))
                    .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                            .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}"))));
        }
        try {
            meter.drain();
            close("2025-08");
            for (Month m : both) {
                ids.put(m, invoiceOf(m.tenant().viewer(), "2025-08").getString("id"));
                untilTried(ids.get(m));
                assertNull(invoiceOf(m.tenant().viewer(), "2025-08").getString("stripeInvoiceId"), "no answer heard");
                // The JDK's HTTP client may send a POST again itself when the connection drops: the same request,
                // with the same idempotency key, within the first attempt.
                firstAttempt.put(m, creates(ids.get(m)).size());
                assertTrue(firstAttempt.get(m) >= 1);
            }
            given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + ids.get(voided) + "/void").then()
                    .statusCode(200).body("state", equalTo("VOID"));
            assertEquals("VOID_PENDING", invoiceOf(voided.tenant().viewer(), "2025-08").getString("stripeState"),
                    "a create was sent: Stripe may hold a draft, so the void goes there");
            // A retry while Stripe's list is refused fails before it creates anything.
            sqlRun("update stripe_pushes set next_attempt_at = now() where invoice_id = $1",
                    UUID.fromString(ids.get(retried)));
            untilTried(ids.get(retried), 2);
            assertEquals("unavailable", invoiceOf(retried.tenant().viewer(), "2025-08").getString("stripeNote"));
            assertEquals(firstAttempt.get(retried), creates(ids.get(retried)).size(), "no create without a look");
            // Stripe lists again: each customer holds the draft the lost create made, and one of another invoice.
            // (The answer goes in ahead of the refusal before the refusal goes: a retry never sees an empty list.)
            for (Month m : both) {
                stubs.add(StripeStubs.server().stubFor(get(urlPathEqualTo("/v1/invoices")).atPriority(1)
                        .withQueryParam("customer", WireMock.equalTo(customerOf(m)))
                        .withQueryParam("status", WireMock.equalTo("draft"))
                        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                                .withBody(drafts(Map.of(lostDraft(ids.get(m)), ids.get(m),
                                        "in_other_" + m.tenant().id(), UUID.randomUUID().toString()))))));
            }
            lists.values().forEach(StripeStubs.server()::removeStub);
            // Both retries due now, whatever their backoff has grown to while Stripe's list was refused.
            sqlRun("update stripe_pushes set next_attempt_at = now() where invoice_id = any($1)",
                    (Object) both.stream().map(m -> UUID.fromString(ids.get(m))).toArray(UUID[]::new));
            JsonPath pushed = untilPushed(retried.tenant().viewer(), ids.get(retried));
            assertEquals(lostDraft(ids.get(retried)), pushed.getString("stripeInvoiceId"), "the draft Stripe made");
            Instant deadline = Instant.now().plusSeconds(30);
            while (!"SKIPPED".equals(invoiceOf(voided.tenant().viewer(), "2025-08").getString("stripeState"))
                    && Instant.now().isBefore(deadline)) {
                billing.roundNow();
                sleep(100);
            }
        } finally {
            stubs.forEach(StripeStubs.server()::removeStub);
            lists.values().forEach(StripeStubs.server()::removeStub);
        }
        for (Month m : both) {
            List<LoggedRequest> creates = creates(ids.get(m));
            assertEquals(firstAttempt.get(m), creates.size(), "no create after the first attempt: each retry looked");
            assertTrue(creates.stream().allMatch(r -> ("myriad-invoice-" + ids.get(m))
                    .equals(r.getHeader("Idempotency-Key"))), "one Stripe invoice asked for, by one key");
            assertEquals(0, deletes("in_other_" + m.tenant().id()), "another invoice's draft is not touched");
        }
        String taken = lostDraft(ids.get(retried));
        // Finalized: once, or again with the same key if an answer was lost on the way (Stripe replays the first).
        List<LoggedRequest> finalizes = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices/"
                + taken + "/finalize")));
        assertFalse(finalizes.isEmpty(), "the draft taken is finalized");
        assertTrue(finalizes.stream().allMatch(r -> ("myriad-invoice-" + ids.get(retried) + "-finalize")
                .equals(r.getHeader("Idempotency-Key"))));
        assertFalse(StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withRequestBody(containing(ids.get(retried)))).isEmpty());
        assertTrue(StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withRequestBody(containing(ids.get(retried)))).stream()
                .allMatch(r -> r.getBodyAsString().contains("invoice=" + taken)), "its items go on it");
        assertEquals(0, deletes(taken));

        String lost = lostDraft(ids.get(voided));
        JsonPath view = invoiceOf(voided.tenant().viewer(), "2025-08");
        assertEquals("SKIPPED", view.getString("stripeState"));
        assertEquals("voided before it was finalized; its Stripe draft " + lost + " deleted", view.getString("stripeNote"));
        assertTrue(deletes(lost) >= 1, "the draft the lost create made is deleted");
        assertEquals(0, requests("/v1/invoices/" + lost + "/finalize"), "never finalized");
        assertEquals(0, StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withRequestBody(containing(ids.get(voided)))).size(), "nothing added to it");
    }

    static List<LoggedRequest> creates(String invoiceId) {
        return StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices"))
                .withRequestBody(containing(invoiceId)));
    }

    static String customerOf(Month m) {
        return "cus_myriad-customer-" + m.tenant().id();
    }

    static String lostDraft(String invoiceId) {
        return "in_lost_" + invoiceId;
    }

    /** Stripe's list of a customer's drafts: each id with the Myriad invoice its metadata names. */
    static String drafts(Map<String, String> idToInvoice) {
        ObjectNode list = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        list.put("object", "list");
        list.put("url", "/v1/invoices");
        list.put("has_more", false);
        var data = list.putArray("data");
        idToInvoice.forEach((id, invoice) -> {
            ObjectNode i = StripeStubs.object("invoice");
            i.put("id", id);
            i.put("status", "draft");
            i.putObject("metadata").put("myriad_invoice_id", invoice);
            data.add(i);
        });
        return list.toString();
    }

    static String slowInvoice() {
        ObjectNode invoice = StripeStubs.object("invoice");
        invoice.put("id", "in_{{request.headers.[Idempotency-Key]}}");
        invoice.put("status", "draft");
        return invoice.toString();
    }

    static StubMapping stubStatus(String stripeId, String status) {
        ObjectNode invoice = StripeStubs.object("invoice");
        invoice.put("id", stripeId);
        invoice.put("status", status);
        return StripeStubs.server().stubFor(get(urlPathEqualTo("/v1/invoices/" + stripeId)).atPriority(1)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(invoice.toString())));
    }

    static final String BILLING_EVENTS = "[\"invoice.issued\",\"invoice.paid\",\"invoice.payment_failed\","
            + "\"invoice.voided\",\"invoice.marked_uncollectible\",\"invoice.refunded\",\"tenant.suspended\","
            + "\"tenant.reinstated\"]";

    /** Sets the tenant's webhook to the receiver (or to a port nobody listens on), naming these events. */
    static String subscribe(World.Tenant t, String url, String events) {
        return given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"url\":\"" + url + "\",\"events\":" + events + "}")
                .put("/api/v1/tenants/" + t.id() + "/webhook").then().statusCode(200).extract().path("secret");
    }

    /** Sets the tenant's billing contact (its admin), with this email. */
    static void setContact(World.Tenant t, String email) {
        given().auth().oauth2(t.admin()).contentType("application/json")
                .body("{\"email\":\"" + email + "\",\"legalName\":\"Initech Ltd\",\"address\":{\"line1\":"
                        + "\"1 Science Avenue\",\"city\":\"Hangzhou\",\"postalCode\":\"310000\",\"country\":\"CN\"},"
                        + "\"taxIds\":[{\"type\":\"cn_tin\",\"value\":\"91330100MA2H123456\"}]}")
                .put("/api/v1/tenants/" + t.id() + "/billing-profile").then().statusCode(200);
    }

    /** How many events of the type the database queued for the tenant's webhook. */
    long events(World.Tenant t, String type) {
        return sql("select count(*) from webhook_deliveries where tenant_id = $1 and event_type = $2",
                UUID.fromString(t.id()), type);
    }

    @Test
    void a_failed_payment_suspends_new_work_after_the_grace_period_and_paying_lifts_it() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            a_failed_payment_suspends_new_work(receiver);
        }
    }

    private void a_failed_payment_suspends_new_work(WebhookReceiver receiver) {
        Month m = month("2024-08", 1, false);
        receiver.secret = subscribe(m.tenant(), receiver.url(), BILLING_EVENTS);
        meter.drain();
        close("2024-08");
        String id = invoiceOf(m.tenant().viewer(), "2024-08").getString("id");
        String stripeId = untilPushed(m.tenant().viewer(), id).getString("stripeInvoiceId");
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.payment_failed")).then().statusCode(200)
                .body("outcome", equalTo("PAYMENT_FAILED"));
        billing.roundNow();
        assertEquals("GRACE", balance(m.tenant()).getString("standing"), "inside the grace period");
        submit(m).then().statusCode(201);
        // Eight days later (the grace period is seven).
        sqlRun("update invoices set payment_failed_at = now() - interval '8 days' where id = $1", UUID.fromString(id));
        billing.roundNow();
        assertEquals("SUSPENDED", balance(m.tenant()).getString("standing"));
        submit(m).then().statusCode(403).body("code", equalTo("TENANT_SUSPENDED"));
        given().auth().oauth2(m.tenant().viewer()).get("/api/v1/invoices/" + id).then().statusCode(200);
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.paid")).then().statusCode(200);
        assertEquals("GOOD", balance(m.tenant()).getString("standing"));
        submit(m).then().statusCode(201);

        // The tenant's webhook was told each step, signed, once: what a finance system books and what ops watch.
        JsonPath invoice = invoiceOf(m.tenant().viewer(), "2024-08");
        Instant deadline = Instant.now().plusSeconds(30);
        while (receiver.bodies.size() < 5 && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(50);  // the metering worker sends them
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        Map<String, JsonPath> told = new java.util.TreeMap<>();
        receiver.bodies.forEach(b -> told.put(JsonPath.from(b).getString("type"), JsonPath.from(b)));
        assertEquals(Set.of("invoice.issued", "invoice.payment_failed", "tenant.suspended", "invoice.paid",
                "tenant.reinstated"), told.keySet(), "events: " + receiver.bodies);
        assertEquals(5, receiver.bodies.size(), "each once: " + receiver.bodies);
        assertEquals(0, receiver.badSignatures.get());
        JsonPath issued = told.get("invoice.issued");
        assertEquals(id, issued.getString("data.invoiceId"));
        assertEquals(invoice.getString("number"), issued.getString("data.number"));
        assertEquals("2024-08", issued.getString("data.period"));
        assertEquals("ISSUED", issued.getString("data.state"));
        assertEquals(invoice.getLong("total.amountMinor"), issued.getLong("data.total.amountMinor"));
        assertEquals(invoice.getString("total.currency"), issued.getString("data.total.currency"));
        assertTrue(issued.getString("data.dueAt").startsWith(invoice.getString("dueAt").substring(0, 16)),
                issued.getString("data.dueAt") + " against " + invoice.getString("dueAt"));
        assertEquals("ISSUED", told.get("invoice.payment_failed").getString("data.state"));
        assertTrue(told.get("invoice.payment_failed").getString("data.paymentFailedAt") != null);
        assertEquals(id, told.get("tenant.suspended").getString("data.invoiceId"));
        assertEquals("PAID", told.get("invoice.paid").getString("data.state"));
        assertEquals(m.tenant().id(), told.get("tenant.reinstated").getString("data.tenantId"));
    }

    @Test
    void net_terms_send_the_invoice_due_in_days_and_its_grace_runs_from_the_due_date_not_a_failed_attempt() {
        Month m = month("2024-02", 1, false);
        World.Tenant t = m.tenant();
        subscribe(t, "http://127.0.0.1:9/hook", "[\"invoice.overdue\",\"invoice.payment_failed\"]");
        String terms = "/api/v1/tenants/" + t.id() + "/payment-terms";
        given().auth().oauth2(t.viewer()).get(terms).then().statusCode(200)
                .body("collectionMethod", equalTo("CHARGE_AUTOMATICALLY")).body("daysUntilDue", equalTo(14))
                .body("source", equalTo("PLATFORM_DEFAULT"));

        // Net terms are credit: platform admins grant them, to a tenant with a contact to send invoices to.
        setTerms(t.admin(), terms, "{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":30}").then()
                .statusCode(403).body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":30}").then()
                .statusCode(409).body("code", equalTo("BILLING_PROFILE_REQUIRED"));
        setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":0}").then()
                .statusCode(400).contentType("application/problem+json").body("errors[0].field",
                        equalTo("daysUntilDue"));
        setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":121}").then()
                .statusCode(400).body("errors[0].field", equalTo("daysUntilDue"));
        setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"WIRE\",\"daysUntilDue\":30}").then()
                .statusCode(400);
        setTerms(Tokens.admin(), "/api/v1/tenants/" + UUID.randomUUID() + "/payment-terms",
                "{\"collectionMethod\":\"CHARGE_AUTOMATICALLY\",\"daysUntilDue\":30}").then().statusCode(404);
        given().auth().oauth2(t.viewer()).get(terms).then().body("source", equalTo("PLATFORM_DEFAULT"));
        setContact(t, "ap@initech.example");
        for (int i = 0; i < 2; i++) {
            setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":30}").then()
                    .statusCode(200).body("collectionMethod", equalTo("SEND_INVOICE")).body("daysUntilDue", equalTo(30))
                    .body("source", equalTo("TENANT")).body("updatedBy", equalTo("admin"));
        }
        assertEquals(1, sql("select count(*) from audit_events where tenant_id = $1 and action = 'setPaymentTerms'",
                UUID.fromString(t.id())), "set twice as it is: one change");
        // With If-Match, two admins who each read the terms never lose one's change to the other's: a stale tag 412s.
        String tag = given().auth().oauth2(t.viewer()).get(terms).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(Tokens.admin()).header("If-Match", "\"stale\"").contentType("application/json")
                .body("{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":45}").put(terms).then().statusCode(412)
                .contentType("application/problem+json").body("code", equalTo("PRECONDITION_FAILED"))
                .header("ETag", tag);
        given().auth().oauth2(Tokens.admin()).header("If-Match", tag).contentType("application/json")
                .body("{\"collectionMethod\":\"SEND_INVOICE\",\"daysUntilDue\":30}").put(terms).then().statusCode(200)
                .body("daysUntilDue", equalTo(30));
        given().auth().oauth2(Tokens.bob()).get(terms).then().statusCode(404);

        // The draft is collected by the terms now; the issued invoice keeps them, due 30 days after its issue.
        meter.drain();
        assertEquals("SEND_INVOICE", invoiceOf(t.viewer(), "2024-02").getString("collectionMethod"));
        close("2024-02");
        JsonPath invoice = invoiceOf(t.viewer(), "2024-02");
        String id = invoice.getString("id");
        Instant issued = Instant.parse(invoice.getString("issuedAt"));
        Instant due = Instant.parse(invoice.getString("dueAt"));
        assertEquals("SEND_INVOICE", invoice.getString("collectionMethod"));
        assertEquals(issued.plus(Duration.ofDays(30)), due);
        setTerms(Tokens.admin(), terms, "{\"collectionMethod\":\"CHARGE_AUTOMATICALLY\",\"daysUntilDue\":14}")
                .then().statusCode(200);
        assertEquals("SEND_INVOICE", invoiceOf(t.viewer(), "2024-02").getString("collectionMethod"),
                "terms changed after the issue leave the invoice as issued");

        // In Stripe: a sent invoice, due on Myriad's due date, finalized with automatic collection (Stripe emails it).
        JsonPath pushed = untilPushed(t.viewer(), id);
        String stripeId = pushed.getString("stripeInvoiceId");
        String create = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices"))).stream()
                .filter(r -> r.getBodyAsString().contains(id)).findFirst().orElseThrow().getBodyAsString();
        assertTrue(create.contains("collection_method=send_invoice"), create);
        assertTrue(create.contains("due_date=" + due.getEpochSecond()), create);
        assertTrue(StripeStubs.server().findAll(postRequestedFor(urlPathMatching("/v1/invoices/" + stripeId
                + "/finalize"))).get(0).getBodyAsString().contains("auto_advance=true"));
        assertEquals("https://invoice.stripe.com/i/acct_test/" + stripeId, pushed.getString("hostedInvoiceUrl"));
        String html = given().auth().oauth2(t.viewer()).accept("text/html").get("/api/v1/invoices/" + id).then()
                .statusCode(200).extract().asString();
        assertTrue(html.contains("Pay by the due date: <a href=\"https://invoice.stripe.com/i/acct_test/" + stripeId
                + "\">pay online</a>"), html);

        // A failed attempt to pay before the due date is the tenant's to retry within its terms: no grace, no
        // suspension, however long ago it failed.
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.payment_failed")).then().statusCode(200);
        sqlRun("update invoices set payment_failed_at = now() - interval '20 days' where id = $1", UUID.fromString(id));
        billing.roundNow();
        assertEquals("GOOD", balance(t).getString("standing"));
        submit(m).then().statusCode(201);
        assertEquals(1, events(t, "invoice.payment_failed"));
        assertEquals(0, events(t, "invoice.overdue"), "not overdue before its due date");
        assertEquals(List.of(), overdueInvoices(t));
        assertNull(invoiceOf(t.viewer(), "2024-02").getString("overdueSince"));
        assertEquals(0, balance(t).getLong("balances.find { it.currency == 'CNY' }.overdue.amountMinor"));
        given().auth().oauth2(t.viewer()).queryParam("overdue", "yes").get("/api/v1/invoices").then().statusCode(400)
                .body("errors[0].field", equalTo("overdue"));
        // Past the due date: the grace period runs from it (seven days), then new work is suspended.
        sqlRun("update invoices set due_at = now() - interval '1 day' where id = $1", UUID.fromString(id));
        billing.roundNow();
        JsonPath grace = balance(t);
        assertEquals("GRACE", grace.getString("standing"));
        Instant dueNow = Instant.parse(invoiceOf(t.viewer(), "2024-02").getString("dueAt"));
        assertEquals(dueNow.plus(Duration.ofDays(7)), Instant.parse(grace.getString("standingUntil")));
        assertEquals(List.of(id), overdueInvoices(t), "what collections chases");
        assertEquals(invoiceOf(t.viewer(), "2024-02").getLong("total.amountMinor"),
                grace.getLong("balances.find { it.currency == 'CNY' }.overdue.amountMinor"));
        assertEquals(dueNow, Instant.parse(invoiceOf(t.viewer(), "2024-02").getString("overdueSince")));
        assertEquals(List.of(), given().auth().oauth2(t.viewer()).queryParam("overdue", "false")
                .queryParam("period", "2024-02").get("/api/v1/invoices").then().statusCode(200).extract().jsonPath()
                .getList("items.id"));
        submit(m).then().statusCode(201);
        billing.roundNow();
        assertEquals(1, events(t, "invoice.overdue"), "told once, when it became overdue");
        String told = given().auth().oauth2(t.admin()).get("/api/v1/tenants/" + t.id() + "/webhook/deliveries")
                .then().statusCode(200).extract().asString();
        assertTrue(told.contains("invoice.overdue"), told);
        sqlRun("update invoices set due_at = now() - interval '8 days' where id = $1", UUID.fromString(id));
        billing.roundNow();
        assertEquals("SUSPENDED", balance(t).getString("standing"));
        submit(m).then().statusCode(403).body("code", equalTo("TENANT_SUSPENDED"));
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.paid")).then().statusCode(200);
        assertEquals("GOOD", balance(t).getString("standing"));
        assertEquals(List.of(), overdueInvoices(t), "paid: no longer overdue");
        assertEquals(0, balance(t).getLong("balances.find { it.currency == 'CNY' }.overdue.amountMinor"));
        assertNull(invoiceOf(t.viewer(), "2024-02").getString("overdueSince"));
        assertEquals(1, events(t, "invoice.overdue"), "still once");
        assertEquals(dueNow.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), Instant.parse(sqlText("select payload::jsonb #>> '{data,overdueSince}' from "
                + "webhook_deliveries where tenant_id = $1 and event_type = 'invoice.overdue'", UUID.fromString(t.id()))),
                "the grace period began at the due date");
    }

    @Test
    void a_tenant_pays_an_invoice_now_after_a_failed_charge_a_decline_changes_nothing_and_a_key_charges_once() {
        Month m = month("2023-03", 1, false);
        World.Tenant t = m.tenant();
        meter.drain();
        close("2023-03");
        String id = invoiceOf(t.viewer(), "2023-03").getString("id");
        String stripeId = untilPushed(t.viewer(), id).getString("stripeInvoiceId");
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.payment_failed")).then().statusCode(200);
        sqlRun("update invoices set payment_failed_at = now() - interval '8 days' where id = $1", UUID.fromString(id));
        billing.roundNow();
        assertEquals("SUSPENDED", balance(t).getString("standing"));
        String pay = "/api/v1/invoices/" + id + "/pay";

        // The tenant's admins pay; a member or a billing viewer may not; another tenant does not see the invoice.
        given().auth().oauth2(t.member()).post(pay).then().statusCode(403).body("code", equalTo("TENANT_ROLE_REQUIRED"));
        given().auth().oauth2(t.viewer()).post(pay).then().statusCode(403);
        given().auth().oauth2(Tokens.bob()).post(pay).then().statusCode(404).body("code", equalTo("INVOICE_NOT_FOUND"));
        // Not in Stripe (its push failed): nothing to charge there.
        sqlRun("update stripe_pushes set state = 'FAILED' where invoice_id = $1", UUID.fromString(id));
        given().auth().oauth2(t.admin()).post(pay).then().statusCode(409).body("code", equalTo("INVOICE_NOT_IN_STRIPE"));
        sqlRun("update stripe_pushes set state = 'PUSHED' where invoice_id = $1", UUID.fromString(id));

        // Declined: Stripe's words, nothing changed.
        StubMapping declined = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/invoices/" + stripeId + "/pay"))
                .atPriority(1).willReturn(aResponse().withStatus(402).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"decline_code\":"
                                + "\"insufficient_funds\",\"message\":\"Your card has insufficient funds.\"}}")));
        try {
            given().auth().oauth2(t.admin()).post(pay).then().statusCode(402).contentType("application/problem+json")
                    .body("code", equalTo("PAYMENT_DECLINED"))
                    .body("detail", containsString("Your card has insufficient funds."));
        } finally {
            StripeStubs.server().removeStub(declined);
        }
        // The bank wants the card holder (3-D Secure), as Stripe says it: refused, with where to confirm it.
        StubMapping confirm = StripeStubs.server().stubFor(post(urlPathEqualTo("/v1/invoices/" + stripeId + "/pay"))
                .atPriority(1).willReturn(aResponse().withStatus(402).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"card_error\",\"code\":"
                                + "\"invoice_payment_intent_requires_action\",\"message\":\"This payment requires "
                                + "additional user action before it can be completed successfully.\"}}")));
        try {
            given().auth().oauth2(t.admin()).post(pay).then().statusCode(402).contentType("application/problem+json")
                    .body("code", equalTo("PAYMENT_DECLINED"))
                    .body("detail", containsString("3-D Secure"))
                    .body("detail", containsString("hostedInvoiceUrl"))
                    .body("detail", containsString("(invoice_payment_intent_requires_action)"));
        } finally {
            StripeStubs.server().removeStub(confirm);
        }
        assertEquals("ISSUED", invoiceOf(t.viewer(), "2023-03").getString("state"));
        assertEquals("SUSPENDED", balance(t).getString("standing"));

        // Paid now (a new card saved in the portal): PAID at once, the tenant reinstated; sent again under its key,
        // the same attempt: Stripe is not asked to charge twice, and Stripe's own webhook after it changes nothing.
        String key = "pay-" + UUID.randomUUID();
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(t.admin()).header("Idempotency-Key", key).post(pay).then().statusCode(200)
                    .body("state", equalTo("PAID")).body("paidAt", org.hamcrest.Matchers.notNullValue());
        }
        assertEquals("GOOD", balance(t).getString("standing"));
        submit(m).then().statusCode(201);
        List<LoggedRequest> charges = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoices/"
                + stripeId + "/pay")));
        assertEquals(3, charges.size(), "the declined attempt, the one to confirm and the one that paid");
        assertTrue(charges.stream().anyMatch(r -> r.getHeader("Idempotency-Key").startsWith("myriad-invoice-" + id
                + "-pay-") && r.getHeader("Idempotency-Key").endsWith(key)), "the caller's key names the attempt");
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.paid")).then().statusCode(200)
                .body("outcome", equalTo("ALREADY_PAID"));
        assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'PAYMENT' and invoice_id = $1",
                UUID.fromString(id)));
        assertEquals(1, sql("select count(*) from audit_events where action = 'payInvoice' and target_id = $1",
                id), "the payment audited once, the decline not at all");

        // The account statement: issued, then paid; the opening balance of a window after the issue is the total.
        long total = invoiceOf(t.viewer(), "2023-03").getLong("total.amountMinor");
        String number = invoiceOf(t.viewer(), "2023-03").getString("number");
        String statement = "/api/v1/tenants/" + t.id() + "/statement";
        JsonPath all = given().auth().oauth2(t.viewer()).queryParam("currency", "CNY")
                .queryParam("from", Instant.now().minus(Duration.ofDays(1)).toString())
                .queryParam("to", Instant.now().plus(Duration.ofDays(1)).toString()).get(statement).then()
                .statusCode(200).extract().jsonPath();
        assertEquals(0, all.getLong("openingBalance.amountMinor"));
        assertEquals(List.of("INVOICE_ISSUED", "PAYMENT"), all.getList("lines.kind"));
        assertEquals(List.of(number, number), all.getList("lines.invoiceNumber"));
        assertEquals(total, all.getLong("lines[0].amount.amountMinor"));
        assertEquals(-total, all.getLong("lines[1].amount.amountMinor"));
        assertEquals(List.of((int) total, 0), all.getList("lines.balance.amountMinor"));
        assertEquals(0, all.getLong("closingBalance.amountMinor"));
        Instant paidAt = Instant.parse(invoiceOf(t.viewer(), "2023-03").getString("paidAt"));
        JsonPath after = given().auth().oauth2(t.admin()).queryParam("currency", "CNY")
                .queryParam("from", paidAt.toString()).queryParam("to", paidAt.plusSeconds(60).toString())
                .get(statement).then().statusCode(200).extract().jsonPath();
        assertEquals(total, after.getLong("openingBalance.amountMinor"), "owed until the payment");
        assertEquals(List.of("PAYMENT"), after.getList("lines.kind"));
        given().auth().oauth2(Tokens.bob()).queryParam("currency", "CNY").queryParam("from", "2023-01-01T00:00:00Z")
                .queryParam("to", "2023-12-01T00:00:00Z").get(statement).then().statusCode(404);
        given().auth().oauth2(t.viewer()).queryParam("currency", "cny").queryParam("from", "2023-01-01T00:00:00Z")
                .queryParam("to", "2023-12-01T00:00:00Z").get(statement).then().statusCode(400)
                .body("errors[0].field", equalTo("currency"));
        given().auth().oauth2(t.viewer()).queryParam("currency", "CNY").queryParam("from", "2023-01-01T00:00:00Z")
                .queryParam("to", "2025-01-01T00:00:00Z").get(statement).then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
    }

    static io.restassured.response.Response setTerms(String token, String path, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body).put(path);
    }

    @Test
    void an_invoice_is_made_out_to_the_contact_at_its_issue_and_a_write_off_is_one_event_for_a_webhook_that_names_it() {
        Month m = month("2025-01", 1, false);
        Month quiet = month("2025-01", 1, false);
        subscribe(m.tenant(), "http://127.0.0.1:9/hook", "[\"invoice.issued\",\"invoice.marked_uncollectible\"]");
        subscribe(quiet.tenant(), "http://127.0.0.1:9/hook", "[\"alert.raised\"]");
        setContact(m.tenant(), "finance@initech.example");
        meter.drain();
        // A draft is made out to the contact as it is now; an issued invoice to the contact at its issue, for good.
        assertEquals("DRAFT", invoiceOf(m.tenant().viewer(), "2025-01").getString("state"));
        assertEquals("finance@initech.example", invoiceOf(m.tenant().viewer(), "2025-01").getString("billTo.email"));
        close("2025-01");
        String id = invoiceOf(m.tenant().viewer(), "2025-01").getString("id");
        setContact(m.tenant(), "ap@initech.example");
        JsonPath issued = invoiceOf(m.tenant().viewer(), "2025-01");
        assertEquals("Initech Ltd", issued.getString("billTo.name"));
        assertEquals("finance@initech.example", issued.getString("billTo.email"), "as it stood at the issue");
        assertEquals("CN", issued.getString("billTo.address.country"));
        String html = given().auth().oauth2(m.tenant().viewer()).accept("text/html").get("/api/v1/invoices/" + id)
                .then().statusCode(200).extract().asString();
        assertEquals("cn_tin", issued.getString("billTo.taxIds[0].type"));
        assertEquals("91330100MA2H123456", issued.getString("billTo.taxIds[0].value"));
        assertTrue(html.contains("Billed to") && html.contains("Initech Ltd") && html.contains("310000 Hangzhou")
                && html.contains("finance@initech.example") && html.contains("CN TIN 91330100MA2H123456"), html);
        assertThrows(RuntimeException.class, () -> sqlRun("update invoices set bill_to = '{}'::jsonb where id = $1",
                UUID.fromString(id)), "the database keeps it too");
        JsonPath noContact = invoiceOf(quiet.tenant().viewer(), "2025-01");
        assertEquals("Test " + quiet.tenant().slug(), noContact.getString("billTo.name"), "without a contact: the "
                + "tenant's name");
        assertEquals(null, noContact.getString("billTo.email"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/mark-uncollectible").then()
                .statusCode(200).body("state", equalTo("UNCOLLECTIBLE"));
        // Asked again: answered as it stands (idempotent), and no second event.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/mark-uncollectible").then()
                .statusCode(200).body("state", equalTo("UNCOLLECTIBLE"));
        assertEquals(1, events(m.tenant(), "invoice.issued"));
        assertEquals(1, events(m.tenant(), "invoice.marked_uncollectible"));
        String quietId = invoiceOf(quiet.tenant().viewer(), "2025-01").getString("id");
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + quietId + "/mark-uncollectible").then()
                .statusCode(200);
        assertEquals(0, sql("select count(*) from webhook_deliveries where tenant_id = $1",
                UUID.fromString(quiet.tenant().id())), "a webhook that names no billing event is told none");
    }

    @Test
    void a_write_off_or_a_void_made_in_stripe_is_shown_beside_the_invoice_and_left_to_an_admin_to_decide() {
        Month written = month("2025-02", 1, false);
        Month voided = month("2025-02", 2, false);
        meter.drain();
        close("2025-02");
        String wId = invoiceOf(written.tenant().viewer(), "2025-02").getString("id");
        String vId = invoiceOf(voided.tenant().viewer(), "2025-02").getString("id");
        String wStripe = untilPushed(written.tenant().viewer(), wId).getString("stripeInvoiceId");
        String vStripe = untilPushed(voided.tenant().viewer(), vId).getString("stripeInvoiceId");
        assertEquals("open", invoiceOf(written.tenant().viewer(), "2025-02").getString("stripeStatus"),
                "open in Stripe from the finalize");
        UUID w = UUID.fromString(wId);
        UUID v = UUID.fromString(vId);

        // Stripe's retries ended and it wrote the invoice off: noted; the invoice is still owed here, nothing posted.
        String writeOff = paidEvent("evt_" + UUID.randomUUID(), wStripe, wId, "invoice.marked_uncollectible");
        signed(writeOff).then().statusCode(200).body("outcome", equalTo("NOTED_UNCOLLECTIBLE_IN_STRIPE"));
        signed(writeOff).then().statusCode(200).body("duplicate", equalTo(true));
        JsonPath noted = invoiceOf(written.tenant().viewer(), "2025-02");
        assertEquals("ISSUED", noted.getString("state"), "an accounting decision no webhook takes");
        assertEquals("uncollectible", noted.getString("stripeStatus"));
        assertEquals(1, sql("select count(*) from ledger_transactions where invoice_id = $1", w), "the issue only");
        assertEquals(0, events(written.tenant(), "invoice.marked_uncollectible"), "its tenant is told nothing");
        // Platform admins find what Stripe gave up on; a tenant sees its own only; a status Stripe has not is 400.
        assertEquals(List.of(wId), given().auth().oauth2(Tokens.admin()).queryParam("period", "2025-02")
                .queryParam("stripeStatus", "uncollectible").get("/api/v1/invoices").then().statusCode(200)
                .extract().jsonPath().getList("items.id"));
        assertEquals(List.of(), given().auth().oauth2(voided.tenant().viewer()).queryParam("stripeStatus",
                "uncollectible").get("/api/v1/invoices").then().statusCode(200).extract().jsonPath()
                .getList("items.id"));
        given().auth().oauth2(Tokens.admin()).queryParam("stripeStatus", "UNCOLLECTIBLE").get("/api/v1/invoices")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"))
                .body("errors[0].field", equalTo("stripeStatus"));

        // Stripe takes payment of an invoice it wrote off: paid after all, here and there; a write-off told late
        // takes neither back.
        signed(paidEvent("evt_" + UUID.randomUUID(), wStripe, wId, "invoice.paid")).then().statusCode(200)
                .body("outcome", equalTo("PAID"));
        signed(paidEvent("evt_" + UUID.randomUUID(), wStripe, wId, "invoice.marked_uncollectible")).then()
                .statusCode(200).body("outcome", equalTo("IGNORED_PAID"));
        JsonPath paid = invoiceOf(written.tenant().viewer(), "2025-02");
        assertEquals("PAID", paid.getString("state"));
        assertEquals("paid", paid.getString("stripeStatus"));

        // Voided in Stripe's dashboard: noted, still owed here. Paying it is refused without asking Stripe.
        signed(paidEvent("evt_" + UUID.randomUUID(), vStripe, vId, "invoice.voided")).then().statusCode(200)
                .body("outcome", equalTo("NOTED_VOID_IN_STRIPE"));
        JsonPath voidThere = invoiceOf(voided.tenant().viewer(), "2025-02");
        assertEquals("ISSUED", voidThere.getString("state"));
        assertEquals("void", voidThere.getString("stripeStatus"));
        assertEquals("PUSHED", voidThere.getString("stripeState"));
        given().auth().oauth2(voided.tenant().admin()).post("/api/v1/invoices/" + vId + "/pay").then().statusCode(409)
                .body("code", equalTo("INVOICE_STATE_CONFLICT")).body("detail", containsString("voided in Stripe"));
        assertEquals(0, requests("/v1/invoices/" + vStripe + "/pay"), "Stripe is not asked");
        assertFalse(given().auth().oauth2(voided.tenant().viewer()).accept("text/html").get("/api/v1/invoices/" + vId)
                .then().statusCode(200).extract().asString().contains("pay online"), "no link to a page that refuses");
        assertEquals(1, sql("select count(*) from ledger_transactions where invoice_id = $1", v));
        // The admin voids it here: the ledger reversed, and the worker settles the push without voiding it twice.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + vId + "/void").then().statusCode(200)
                .body("state", equalTo("VOID"));
        Instant deadline = Instant.now().plusSeconds(30);
        while (!"VOIDED".equals(invoiceOf(voided.tenant().viewer(), "2025-02").getString("stripeState"))
                && Instant.now().isBefore(deadline)) {
            billing.roundNow();
            sleep(100);
        }
        assertEquals("VOIDED", invoiceOf(voided.tenant().viewer(), "2025-02").getString("stripeState"));
        assertEquals(0, requests("/v1/invoices/" + vStripe + "/void"), "already void in Stripe: not voided again");
        assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'INVOICE_VOIDED' "
                + "and invoice_id = $1", v));
        signed(paidEvent("evt_" + UUID.randomUUID(), vStripe, vId, "invoice.voided")).then().statusCode(200)
                .body("outcome", equalTo("ALREADY_VOID"));
    }

    @Test
    void the_receivables_aging_buckets_what_each_tenant_owes_by_days_past_due_and_reconciles_with_the_ledger() {
        // Five tenants billed for one month: four owe one invoice each, due now, 10, 45 and 100 days ago; one pays.
        List<Month> months = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            months.add(month("2023-11", 1 + i, false));
        }
        meter.drain();
        close("2023-11");
        Instant issued = Instant.now();
        int[] daysPastDue = {-3, 10, 45, 100};
        List<String> bucketOf = List.of("current", "days1To30", "days31To60", "over90");
        for (int i = 0; i < 4; i++) {
            sqlRun("update invoices set due_at = now() - make_interval(days => $2) where tenant_id = $1 "
                    + "and period = '2023-11'", UUID.fromString(months.get(i).tenant().id()), daysPastDue[i]);
        }
        Month payer = months.get(4);
        String payerInvoice = invoiceOf(payer.tenant().viewer(), "2023-11").getString("id");
        sleep(5);
        Instant beforePayment = Instant.now();
        sleep(5);
        String stripeId = untilPushed(payer.tenant().viewer(), payerInvoice).getString("stripeInvoiceId");
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, payerInvoice, "invoice.paid")).then().statusCode(200)
                .body("outcome", equalTo("PAID"));

        JsonPath now = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .get("/api/v1/billing/receivables-aging").then().statusCode(200).extract().jsonPath();
        for (int i = 0; i < 4; i++) {
            Month m = months.get(i);
            String row = "tenants.find { it.tenantId == '" + m.tenant().id() + "' }";
            long owed = invoiceOf(m.tenant().viewer(), "2023-11").getLong("total.amountMinor");
            assertEquals(owed, now.getLong(row + ".amounts." + bucketOf.get(i) + ".amountMinor"), bucketOf.get(i));
            assertEquals(owed, now.getLong(row + ".amounts.total.amountMinor"), "in one bucket only");
            assertEquals(1, now.getInt(row + ".invoices"));
            assertEquals(balance(m.tenant()).getLong("balances.find { it.currency == 'CNY' }.receivable.amountMinor"),
                    now.getLong(row + ".amounts.total.amountMinor"), "the tenant's receivable, to the minor unit");
            assertEquals(i == 0, now.getString(row + ".oldestPastDue") == null, "a past due date only when past due");
        }
        assertNull(now.get("tenants.find { it.tenantId == '" + payer.tenant().id() + "' }"), "paid: owes nothing");
        // The totals are the tenants' sums, bucket by bucket; the most owed comes first.
        for (String bucket : List.of("current", "days1To30", "days31To60", "days61To90", "over90", "total")) {
            List<Number> each = now.getList("tenants.amounts." + bucket + ".amountMinor");
            assertEquals(each.stream().mapToLong(Number::longValue).sum(), now.getLong("totals." + bucket
                    + ".amountMinor"), bucket);
        }
        List<Number> totals = now.getList("tenants.amounts.total.amountMinor");
        assertEquals(totals.stream().map(Number::longValue).sorted(java.util.Comparator.reverseOrder()).toList(),
                totals.stream().map(Number::longValue).toList());

        // The same report as CSV, at the same instant: a row per tenant in the same order, the amounts in yuan.
        String asOf = now.getString("asOf");
        io.restassured.response.Response csv = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("asOf", asOf).queryParam("format", "csv").get("/api/v1/billing/receivables-aging");
        csv.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/csv"))
                .header("Content-Disposition", org.hamcrest.Matchers.containsString(".csv"));
        List<String> lines = csv.asString().lines().toList();
        assertEquals("as_of,currency,tenant_id,tenant_slug,tenant_name,current,days_1_to_30,days_31_to_60,"
                + "days_61_to_90,over_90,total,invoices,oldest_past_due", lines.get(0));
        JsonPath same = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY").queryParam("asOf", asOf)
                .get("/api/v1/billing/receivables-aging").then().statusCode(200).extract().jsonPath();
        assertEquals(same.getList("tenants").size() + 1, lines.size(), "a header and a line per tenant");
        for (int i = 0; i < 4; i++) {
            Month m = months.get(i);
            String line = lines.stream().filter(l -> l.contains(m.tenant().id())).findFirst().orElseThrow();
            String[] cells = line.split(",", -1);
            long owed = invoiceOf(m.tenant().viewer(), "2023-11").getLong("total.amountMinor");
            assertEquals(java.math.BigDecimal.valueOf(owed, 2).toPlainString(), cells[10], line);
            assertEquals(m.tenant().slug(), cells[3]);
            assertEquals("1", cells[11]);
            assertEquals(same.getList("tenants.tenantId").indexOf(m.tenant().id()) + 1, lines.indexOf(line),
                    "the report's order");
        }
        given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY").queryParam("format", "xlsx")
                .get("/api/v1/billing/receivables-aging").then().statusCode(400)
                .body("errors[0].field", equalTo("format"));

        // As the books stood before the payment, the payer owed its invoice; before the close, nobody owed it.
        JsonPath then = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("asOf", beforePayment.toString()).get("/api/v1/billing/receivables-aging").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(invoiceOf(payer.tenant().viewer(), "2023-11").getLong("total.amountMinor"), then.getLong(
                "tenants.find { it.tenantId == '" + payer.tenant().id() + "' }.amounts.total.amountMinor"));
        JsonPath before = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("asOf", issued.minusSeconds(3600).toString()).get("/api/v1/billing/receivables-aging")
                .then().statusCode(200).extract().jsonPath();
        for (Month m : months) {
            assertNull(before.get("tenants.find { it.tenantId == '" + m.tenant().id() + "' }"), "not issued yet");
        }

        // Platform admins only; bad input is a clear 400.
        given().auth().oauth2(months.get(0).tenant().admin()).queryParam("currency", "CNY")
                .get("/api/v1/billing/receivables-aging").then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/billing/receivables-aging").then().statusCode(400)
                .body("errors[0].field", equalTo("currency"));
        given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY").queryParam("asOf", "yesterday")
                .get("/api/v1/billing/receivables-aging").then().statusCode(400)
                .body("errors[0].field", equalTo("asOf"));
        given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("asOf", Instant.now().plusSeconds(3600).toString())
                .get("/api/v1/billing/receivables-aging").then().statusCode(400)
                .body("errors[0].field", equalTo("asOf"));
    }

    @Test
    void a_payment_that_commits_while_overdue_tenants_are_suspended_is_not_undone_by_the_suspension() throws Exception {
        Month m = month("2025-03", 1, false);
        meter.drain();
        close("2025-03");
        String id = invoiceOf(m.tenant().viewer(), "2025-03").getString("id");
        String stripeId = untilPushed(m.tenant().viewer(), id).getString("stripeInvoiceId");
        signed(paidEvent("evt_" + UUID.randomUUID(), stripeId, id, "invoice.payment_failed")).then().statusCode(200);
        sqlRun("update invoices set payment_failed_at = now() - interval '8 days' where id = $1", UUID.fromString(id));
        billing.roundNow();
        assertEquals("SUSPENDED", balance(m.tenant()).getString("standing"));
        // A payment's writes (the invoice PAID, the suspension lifted), held open; meanwhile the suspension of
        // overdue tenants runs, and the payment then commits. Whichever order the database lets them take, the paid
        // tenant must end in good standing. (Before the invoices were locked, the suspension waited on the row the
        // payment deleted and wrote it again once the payment committed: SUSPENDED with nothing overdue.)
        UUID tenant = UUID.fromString(m.tenant().id());
        var payment = pool.getConnection().await().indefinitely();
        try {
            var open = payment.begin().await().indefinitely();
            payment.query("select set_config('myriad.scope', 'platform', true)").execute().await().indefinitely();
            payment.preparedQuery("update invoices set state = 'PAID', paid_at = now() where id = $1")
                    .execute(Tuple.of(UUID.fromString(id))).await().indefinitely();
            payment.preparedQuery("delete from billing_suspensions where tenant_id = $1").execute(Tuple.of(tenant))
                    .await().indefinitely();
            var suspending = payments.suspendOverdue(Instant.now()).subscribeAsCompletionStage();
            sleep(500);  // lets the suspension reach the rows the payment holds; it cannot finish before the commit
            open.commit().await().indefinitely();
            suspending.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            payment.close().await().indefinitely();
        }
        assertEquals("GOOD", balance(m.tenant()).getString("standing"));
    }

    @Test
    void void_reverses_the_ledger_and_the_state_table_holds_in_code_and_in_the_database() {
        Month m = month("2024-09", 2, false);
        subscribe(m.tenant(), "http://127.0.0.1:9/hook", BILLING_EVENTS);
        String grantKey = "g-" + UUID.randomUUID();
        grant(m.tenant(), 1_000, grantKey);
        grant(m.tenant(), 1_000, grantKey);  // a retry: granted once, recorded once
        meter.drain();
        close("2024-09");
        String id = invoiceOf(m.tenant().viewer(), "2024-09").getString("id");
        given().auth().oauth2(m.tenant().admin()).post("/api/v1/invoices/" + id + "/void").then().statusCode(403);
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/void").then().statusCode(200)
                .body("state", equalTo("VOID"));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/mark-uncollectible").then()
                .statusCode(409).body("code", equalTo("INVOICE_STATE_CONFLICT"));
        assertEquals(1, events(m.tenant(), "invoice.voided"));
        assertEquals(0, events(m.tenant(), "invoice.marked_uncollectible"), "a refused write-off is no event");
        // The tenant's admins see both corrections in their audit trail; the refused write-off is not there.
        String trail = "/api/v1/tenants/" + m.tenant().id() + "/audit-events";
        JsonPath voided = given().auth().oauth2(m.tenant().admin()).get(trail + "?targetId=" + id).then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of("voidInvoice"), voided.getList("items.action"));
        assertEquals("ISSUED", voided.getString("items[0].details.previousState"));
        assertEquals("2024-09", voided.getString("items[0].details.period"));
        assertEquals("PLATFORM_ADMIN", voided.getString("items[0].actor.role"));
        JsonPath granted = given().auth().oauth2(m.tenant().admin()).get(trail + "?action=grantCredit").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(List.of(1_000), granted.getList("items.details.amount.amountMinor"));
        assertEquals("welcome", granted.getString("items[0].details.reason"));
        JsonPath b = balance(m.tenant());
        assertEquals(0, b.getLong("balances[0].receivable.amountMinor"));
        assertEquals(1_000, b.getLong("balances[0].prepaidCredit.amountMinor"), "the credit consumed came back");
        assertEquals(0, sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions t "
                + "on t.id = e.transaction_id where t.invoice_id = $1", UUID.fromString(id)));

        Map<InvoiceState, Set<InvoiceState>> table = new HashMap<>();
        for (InvoiceState s : InvoiceState.values()) {
            table.put(s, EnumSet.noneOf(InvoiceState.class));
        }
        pool.query("select from_state, to_state from invoice_transitions").execute().await().indefinitely()
                .forEach(r -> table.get(InvoiceState.valueOf(r.getString(0))).add(InvoiceState.valueOf(r.getString(1))));
        assertEquals(InvoiceState.ALLOWED, table);
        // The database holds it too: a PAID invoice back to ISSUED is refused, whoever writes.
        assertThrows(RuntimeException.class, () -> sqlRun("update invoices set state = 'DRAFT' where id = $1",
                UUID.fromString(id)));
    }

    @Test
    void the_ledger_refuses_unbalanced_transactions_and_every_update_or_delete() {
        UUID tx = UUID.randomUUID();
        sqlRun("insert into ledger_transactions (id, kind, reference, memo, created_by, created_at) "
                + "values ($1, 'CREDIT_GRANTED', $2, 'test', 'test', now())", tx, "test-" + tx);
        RuntimeException unbalanced = assertThrows(RuntimeException.class, () -> sqlRun("""
                insert into ledger_entries (transaction_id, line, account, owner_id, currency, amount_minor)
                values ($1, 1, 'MARKETPLACE_REVENUE', null, 'CNY', 100), ($1, 2, 'STRIPE_CLEARING', null, 'CNY', -99)""",
                tx));
        assertTrue(unbalanced.getMessage().contains("does not balance"), unbalanced.getMessage());
        sqlRun("""
                insert into ledger_entries (transaction_id, line, account, owner_id, currency, amount_minor)
                values ($1, 1, 'MARKETPLACE_REVENUE', null, 'CNY', 100), ($1, 2, 'STRIPE_CLEARING', null, 'CNY', -100)""",
                tx);
        assertThrows(RuntimeException.class, () -> sqlRun("update ledger_entries set amount_minor = 0 "
                + "where transaction_id = $1", tx));
        assertThrows(RuntimeException.class, () -> sqlRun("delete from ledger_entries where transaction_id = $1", tx));
        assertThrows(RuntimeException.class, () -> sqlRun("delete from ledger_transactions where id = $1", tx));
        assertEquals(2, sql("select count(*) from ledger_entries where transaction_id = $1", tx));
    }

    @Test
    void periods_close_in_order_and_a_close_refused_for_an_earlier_period_changes_nothing() {
        Month may = month("2023-05", 2, false);
        Month june = month("2023-06", 3, false);
        meter.drain();
        long transactions = sql("select count(*) from ledger_transactions");

        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/2023-06/close").then().statusCode(409)
                .contentType(containsString("application/problem+json"))
                .body("code", equalTo("EARLIER_PERIOD_OPEN"), "openPeriods", hasItem("2023-05"),
                        "openPeriods", not(hasItem("2023-06")), "detail", containsString("2023-05"));
        given().auth().oauth2(Tokens.admin()).get("/api/v1/billing/periods/2023-06").then().statusCode(200)
                .body("state", equalTo("OPEN"));
        assertEquals("DRAFT", invoiceOf(june.tenant().viewer(), "2023-06").getString("state"));
        assertEquals(june.charged(), invoiceOf(june.tenant().viewer(), "2023-06").getLong("total.amountMinor"));
        assertEquals(transactions, sql("select count(*) from ledger_transactions"), "a refused close posts nothing");

        // Oldest first: May is invoiced, then June.
        close("2023-05");
        JsonPath juneClosed = close("2023-06");
        assertEquals("CLOSED", juneClosed.getString("state"));
        assertEquals("ISSUED", invoiceOf(may.tenant().viewer(), "2023-05").getString("state"));
        assertEquals(june.charged(), invoiceOf(june.tenant().viewer(), "2023-06").getLong("total.amountMinor"));

        // Usage of an earlier month that had nothing to bill when June closed stays in its month (it is open),
        // and the next close of a later month names it; June, closed and invoiced, still answers unchanged.
        Month april = month("2023-04", 1, false);
        meter.drain();
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/2023-06/close").then().statusCode(200)
                .body("state", equalTo("CLOSED"), "invoiceCount", equalTo(juneClosed.getInt("invoiceCount")));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/2023-07/close").then().statusCode(409)
                .body("code", equalTo("EARLIER_PERIOD_OPEN"), "openPeriods", hasItem("2023-04"));
        close("2023-04");
        assertEquals(april.charged(), invoiceOf(april.tenant().viewer(), "2023-04").getLong("total.amountMinor"));

        // A commitment's minimum is something to bill in each of its months, usage or not.
        World.Tenant committed = World.tenant();
        sqlRun("insert into commitments (id, tenant_id, currency, discount_percent, minimum_minor, first_period, "
                        + "last_period, created_by, created_at) values ($1, $2, 'CNY', 10, 700, '2023-08', '2023-09', "
                        + "'test', now())", UUID.randomUUID(), UUID.fromString(committed.id()));
        given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/2023-10/close").then().statusCode(409)
                .body("code", equalTo("EARLIER_PERIOD_OPEN"), "openPeriods", hasItems("2023-08", "2023-09"));
        close("2023-08");
        assertEquals(700, invoiceOf(committed.viewer(), "2023-08").getLong("total.amountMinor"));
    }

    @Test
    void committed_use_discounts_and_shortfalls_are_lines_of_their_own() {
        Month m = month("2024-10", 2, false);
        sqlRun("insert into commitments (id, tenant_id, currency, discount_percent, minimum_minor, first_period, "
                        + "last_period, created_by, created_at) values ($1, $2, 'CNY', 15, $3, '2024-10', '2024-10', "
                        + "'test', now())", UUID.randomUUID(), UUID.fromString(m.tenant().id()), m.charged() * 2);
        meter.drain();
        close("2024-10");
        JsonPath invoice = invoiceOf(m.tenant().viewer(), "2024-10");
        assertEquals(List.of("USAGE", "COMMITMENT_DISCOUNT", "COMMITMENT_SHORTFALL"), invoice.getList("lines.kind"));
        long discount = new BigDecimal(m.charged()).multiply(new BigDecimal("0.15"))
                .setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        assertEquals(-discount, invoice.getLong("lines[1].amount.amountMinor"));
        assertEquals(m.charged() * 2, invoice.getLong("total.amountMinor"), "the minimum is what is billed");

        // The API: for this period on only, and never overlapping.
        String current = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        String body = "{\"discountPercent\":10,\"minimumPerPeriod\":{\"amountMinor\":100000,\"currency\":\"CNY\"},"
                + "\"firstPeriod\":\"" + current + "\",\"lastPeriod\":\"" + current + "\"}";
        String location = given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body)
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(201).extract()
                .header("Location");
        given().auth().oauth2(m.tenant().viewer()).get(location).then().statusCode(200)
                .body("discountPercent", equalTo(10));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body)
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(409)
                .body("code", equalTo("COMMITMENT_OVERLAPS"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(body.replace(current, "2020-01"))
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(400);
        given().auth().oauth2(m.tenant().admin()).contentType("application/json").body(body)
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(403);
        // With an Idempotency-Key a lost answer is asked again and the commitment made is answered, not a 409.
        String next = java.time.YearMonth.now(java.time.ZoneOffset.UTC).plusMonths(1).toString();
        String later = body.replace(current, next);
        String key = "commit-" + UUID.randomUUID();
        String keyed = given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key)
                .contentType("application/json").body(later).post("/api/v1/tenants/" + m.tenant().id() + "/commitments")
                .then().statusCode(201).header("Idempotent-Replayed", "false").extract().header("Location");
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(later).post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(201)
                .header("Idempotent-Replayed", "true").header("Location", keyed).body("firstPeriod", equalTo(next))
                .body("discountPercent", equalTo(10));
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", key).contentType("application/json")
                .body(later.replace("\"discountPercent\":10", "\"discountPercent\":12"))
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        given().auth().oauth2(Tokens.admin()).header("Idempotency-Key", " ").contentType("application/json")
                .body(later).post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(400)
                .body("code", equalTo("INVALID_IDEMPOTENCY_KEY"));
        // Without the key the same request is a second commitment over the same term: refused.
        given().auth().oauth2(Tokens.admin()).contentType("application/json").body(later)
                .post("/api/v1/tenants/" + m.tenant().id() + "/commitments").then().statusCode(409)
                .body("code", equalTo("COMMITMENT_OVERLAPS"));
        assertEquals(1, given().auth().oauth2(m.tenant().viewer()).get("/api/v1/tenants/" + m.tenant().id()
                + "/commitments").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.firstPeriod == '" + next + "' }").size());
        // Two commitments made, one event each: the replays, overlapping, past and forbidden attempts recorded nothing.
        JsonPath committed = given().auth().oauth2(m.tenant().admin()).get("/api/v1/tenants/" + m.tenant().id()
                + "/audit-events?action=createCommitment").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(keyed.substring(keyed.lastIndexOf('/') + 1), location.substring(location.lastIndexOf('/')
                + 1)), committed.getList("items.target.id"));
        assertEquals(100000, committed.getLong("items[1].details.minimumPerPeriod.amountMinor"));
        assertEquals(current, committed.getString("items[1].details.firstPeriod"));
    }

    @Test
    void an_operator_is_paid_what_it_is_payable_never_ahead_of_it_and_a_payout_is_recorded_once_per_key() {
        Month m = month("2024-01", 2, false);
        meter.drain();
        close("2024-01");
        String operator = given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + m.cluster()).then()
                .extract().path("operatorId");
        String base = "/api/v1/operators/" + operator;
        JsonPath before = given().auth().oauth2(Tokens.olga()).get(base + "/balance").then().statusCode(200)
                .extract().jsonPath();
        long earned = before.getLong("balances.find { it.currency == 'CNY' }.earned.amountMinor");
        long paidOut = before.getLong("balances.find { it.currency == 'CNY' }.paidOut.amountMinor");
        long payable = before.getLong("balances.find { it.currency == 'CNY' }.payable.amountMinor");
        assertEquals(earned - paidOut, payable);
        assertTrue(payable > 0, "this month's invoice made the operator payable: " + before.prettify());

        // Only platform admins record payouts; only the operator and admins read its money; bad input writes nothing.
        long transactions = sql("select count(*) from ledger_transactions");
        payout(Tokens.olga(), base, null, payable, "CNY", "HZ-1").then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        given().auth().oauth2(m.tenant().admin()).get(base + "/balance").then().statusCode(403);
        given().auth().oauth2(Tokens.olga()).get("/api/v1/operators/" + UUID.randomUUID() + "/balance").then()
                .statusCode(404).body("code", equalTo("OPERATOR_NOT_FOUND"));
        payout(Tokens.admin(), base, null, 0, "CNY", "HZ-1").then().statusCode(400)
                .body("errors[0].field", equalTo("amount.amountMinor"));
        payout(Tokens.admin(), base, null, 100, "CNY", " ").then().statusCode(400)
                .body("errors[0].field", equalTo("reference"));
        payout(Tokens.admin(), base, null, payable + 1, "CNY", "HZ-1").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("PAYOUT_EXCEEDS_PAYABLE"));
        payout(Tokens.admin(), base, null, 1, "EUR", "HZ-1").then().statusCode(409)
                .body("code", equalTo("PAYOUT_EXCEEDS_PAYABLE"));
        assertEquals(transactions, sql("select count(*) from ledger_transactions"), "refused: nothing posted");

        // An advance of one minor unit (and so a second payout, to page through below).
        payout(Tokens.admin(), base, null, 1, "CNY", "HZ-2024-01-advance").then().statusCode(201);
        paidOut += 1;
        payable -= 1;

        // By Stripe transfer: an unknown method is 400; none without the operator's connected account, which only
        // platform admins set; with it, one transfer under the payout's key however often the worker runs.
        payout(Tokens.admin(), base, null, 3, "CNY", "HZ-wire", "WIRE").then().statusCode(400)
                .body("errors[0].field", equalTo("method"));
        payout(Tokens.admin(), base, null, 3, "CNY", "HZ-stripe-1", "STRIPE_TRANSFER").then().statusCode(409)
                .body("code", equalTo("PAYOUT_ACCOUNT_MISSING"));
        given().auth().oauth2(Tokens.olga()).get(base + "/payout-account").then().statusCode(404)
                .body("code", equalTo("PAYOUT_ACCOUNT_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).header("If-Match", "*").contentType("application/json")
                .body("{\"stripeAccountId\":\"acct_Hz0\"}").put(base + "/payout-account").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED"));  // none set: no representation for a tag to name
        setAccount(Tokens.olga(), base, "acct_Hz1").then().statusCode(403).body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        setAccount(Tokens.admin(), base, "acct-1").then().statusCode(400)
                .body("errors[0].field", equalTo("stripeAccountId"));
        setAccount(Tokens.admin(), base, "acct_Hz1").then().statusCode(200).body("stripeAccountId", equalTo("acct_Hz1"));
        String accountTag = given().auth().oauth2(Tokens.olga()).get(base + "/payout-account").then().statusCode(200)
                .body("stripeAccountId", equalTo("acct_Hz1")).body("updatedBy", equalTo("admin")).extract()
                .header("ETag");
        // Where an operator's money goes is replaced only as read, with If-Match: a stale tag changes nothing.
        given().auth().oauth2(Tokens.admin()).header("If-Match", "\"stale\"").contentType("application/json")
                .body("{\"stripeAccountId\":\"acct_Hz2\"}").put(base + "/payout-account").then().statusCode(412)
                .body("code", equalTo("PRECONDITION_FAILED")).header("ETag", accountTag);
        given().auth().oauth2(Tokens.admin()).header("If-Match", accountTag).contentType("application/json")
                .body("{\"stripeAccountId\":\"acct_Hz1\"}").put(base + "/payout-account").then().statusCode(200)
                .body("stripeAccountId", equalTo("acct_Hz1"));
        assertEquals(transactions + 1, sql("select count(*) from ledger_transactions"), "refused: nothing posted");
        String sent = payout(Tokens.admin(), base, null, 3, "CNY", "HZ-stripe-1", "STRIPE_TRANSFER").then()
                .statusCode(201).body("method", equalTo("STRIPE_TRANSFER")).body("transferState", equalTo("PENDING"))
                .body("destination", equalTo("acct_Hz1")).extract().path("id");
        paidOut += 3;
        payable -= 3;
        Instant deadline = Instant.now().plusSeconds(30);
        while (!"SENT".equals(payoutOf(base, sent).getString("transferState")) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        billing.roundNow();
        assertEquals("tr_myriad-payout-" + sent, payoutOf(base, sent).getString("stripeTransferId"));
        List<com.github.tomakehurst.wiremock.verification.LoggedRequest> transfers = StripeStubs.server().findAll(
                com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/transfers")))
                .stream().filter(r -> ("myriad-payout-" + sent).equals(r.getHeader("Idempotency-Key"))).toList();
        assertEquals(1, transfers.size(), "one transfer, under the payout's key");
        String form = java.net.URLDecoder.decode(transfers.get(0).getBodyAsString(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(form.contains("amount=3") && form.contains("currency=cny") && form.contains("destination=acct_Hz1")
                && form.contains("metadata[myriad_payout_id]=" + sent), form);
        // One Stripe refuses for good (after its 12 attempts) is reversed: the operator is payable again.
        var refuse = StripeStubs.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock
                .post(com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/transfers"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("HZ-stripe-refused"))
                .atPriority(1).willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"type\":"
                                + "\"invalid_request_error\",\"message\":\"Insufficient funds in Stripe account.\"}}")));
        try {
            String refused = payout(Tokens.admin(), base, null, 2, "CNY", "HZ-stripe-refused", "STRIPE_TRANSFER")
                    .then().statusCode(201).extract().path("id");
            twelfthAttempt(refused);
            JsonPath failed = payoutOf(base, refused);
            assertEquals("FAILED", failed.getString("transferState"));
            assertTrue(failed.getString("transferNote").contains("Insufficient funds"), failed.prettify());
            assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'OPERATOR_PAYOUT_REVERSED' "
                    + "and reverses = $1", UUID.fromString(refused)));
            JsonPath restored = given().auth().oauth2(Tokens.olga()).get(base + "/balance").then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(payable, restored.getLong("balances.find { it.currency == 'CNY' }.payable.amountMinor"),
                    "payable again");
            assertEquals(paidOut, restored.getLong("balances.find { it.currency == 'CNY' }.paidOut.amountMinor"));
            assertEquals(earned, restored.getLong("balances.find { it.currency == 'CNY' }.earned.amountMinor"));
            assertEquals(List.of(refused), given().auth().oauth2(Tokens.olga()).queryParam("transferState", "FAILED")
                    .get(base + "/payouts").then().statusCode(200).extract().jsonPath().getList("items.id"));
            assertEquals(List.of(sent), given().auth().oauth2(Tokens.olga()).queryParam("transferState", "SENT")
                    .get(base + "/payouts").then().statusCode(200).extract().jsonPath().getList("items.id"));
            given().auth().oauth2(Tokens.olga()).queryParam("transferState", "LOST").get(base + "/payouts").then()
                    .statusCode(400).body("errors[0].field", equalTo("transferState"));
        } finally {
            StripeStubs.server().removeStub(refuse);
        }

        // An answer lost (Stripe made the transfer, the worker saw a 500): the next attempt finds it by its metadata
        // and sends nothing again, whatever became of the key.
        var lost = StripeStubs.server().stubFor(WireMock.post(WireMock.urlPathEqualTo("/v1/transfers"))
                .withRequestBody(WireMock.containing("HZ-stripe-lost")).atPriority(1)
                .willReturn(WireMock.aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"An unknown error occurred\"}}")));
        try {
            String answerLost = payout(Tokens.admin(), base, null, 4, "CNY", "HZ-stripe-lost", "STRIPE_TRANSFER")
                    .then().statusCode(201).extract().path("id");
            paidOut += 4;
            payable -= 4;
            untilTransfer(answerLost, "attempts >= 1");
            parked(answerLost);
            com.fasterxml.jackson.databind.node.ObjectNode made = StripeStubs.object("transfer");
            made.put("id", "tr_found_after_500");
            made.putObject("metadata").put("myriad_payout_id", answerLost);
            StripeStubs.server().stubFor(WireMock.get(WireMock.urlPathEqualTo("/v1/transfers"))
                    .withQueryParam("transfer_group", WireMock.equalTo("myriad-operator-" + operator))
                    .withQueryParam("destination", WireMock.equalTo("acct_Hz1")).atPriority(1)
                    .willReturn(WireMock.okJson("{\"object\":\"list\",\"url\":\"/v1/transfers\",\"has_more\":false,"
                            + "\"data\":[" + made + "]}")));
            int posts = StripeStubs.server().findAll(WireMock.postRequestedFor(WireMock.urlPathEqualTo("/v1/transfers"))
                    .withHeader("Idempotency-Key", WireMock.equalTo("myriad-payout-" + answerLost))).size();
            assertTrue(posts >= 1, "sent, its answer lost");
            sqlRun("update payout_transfers set next_attempt_at = now() where transaction_id = $1",
                    UUID.fromString(answerLost));
            untilTransfer(answerLost, "state = 'SENT'");
            assertEquals("tr_found_after_500", payoutOf(base, answerLost).getString("stripeTransferId"));
            assertEquals(posts, StripeStubs.server().findAll(WireMock.postRequestedFor(WireMock.urlPathEqualTo(
                    "/v1/transfers")).withHeader("Idempotency-Key", WireMock.equalTo("myriad-payout-" + answerLost)))
                    .size(), "not sent again once Stripe held it: the attempt looked it up");

            // Stripe unreachable on the 12th attempt and after (a 500: it may have made it): kept PENDING, never
            // reversed; once Stripe answers with a refusal, FAILED and reversed.
            String unanswered = payout(Tokens.admin(), base, null, 5, "CNY", "HZ-stripe-lost-2", "STRIPE_TRANSFER")
                    .then().statusCode(201).extract().path("id");
            twelfthAttempt(unanswered);
            assertEquals("PENDING", payoutOf(base, unanswered).getString("transferState"), "no answer ends nothing");
            sqlRun("update payout_transfers set next_attempt_at = now() where transaction_id = $1",
                    UUID.fromString(unanswered));
            untilTransfer(unanswered, "attempts >= 13");
            assertEquals("PENDING", payoutOf(base, unanswered).getString("transferState"));
            assertEquals(0, sql("select count(*) from ledger_transactions where reverses = $1", UUID.fromString(unanswered)));
            assertTrue(StripeStubs.server().findAll(WireMock.getRequestedFor(WireMock.urlPathEqualTo("/v1/transfers"))
                    .withQueryParam("transfer_group", WireMock.equalTo("myriad-operator-" + operator))).size() >= 2,
                    "looked up before each resend");
            StripeStubs.server().removeStub(lost);
            lost = StripeStubs.server().stubFor(WireMock.post(WireMock.urlPathEqualTo("/v1/transfers"))
                    .withRequestBody(WireMock.containing("HZ-stripe-lost-2")).atPriority(1)
                    .willReturn(WireMock.aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                            .withBody("{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"No such destination\"}}")));
            sqlRun("update payout_transfers set next_attempt_at = now() where transaction_id = $1",
                    UUID.fromString(unanswered));
            untilTransfer(unanswered, "state = 'FAILED'");
            assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'OPERATOR_PAYOUT_REVERSED' "
                    + "and reverses = $1", UUID.fromString(unanswered)));
        } finally {
            StripeStubs.server().removeStub(lost);
        }

        // The rest, sent three times under one key: one payout; the key with another amount is refused.
        String key = "payout-" + UUID.randomUUID();
        io.restassured.response.Response first = payout(Tokens.admin(), base, key, payable, "CNY", "HZ-2024-01-77");
        first.then().statusCode(201).header("Idempotent-Replayed", "false")
                .body("amount.amountMinor", equalTo((int) payable)).body("payable.amountMinor", equalTo(0))
                .body("reference", equalTo("HZ-2024-01-77")).body("recordedBy", equalTo("admin"));
        String id = first.path("id");
        for (int i = 0; i < 2; i++) {
            payout(Tokens.admin(), base, key, payable, "CNY", "HZ-2024-01-77").then().statusCode(201)
                    .header("Idempotent-Replayed", "true").body("id", equalTo(id));
        }
        payout(Tokens.admin(), base, key, payable - 1, "CNY", "HZ-2024-01-77").then().statusCode(409)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'OPERATOR_PAYOUT' and id = $1",
                UUID.fromString(id)));
        assertEquals(payable, sql("select amount_minor from ledger_entries where transaction_id = $1 "
                + "and account = 'OPERATOR_PAYABLE'", UUID.fromString(id)), "the payable debited");
        assertEquals(-payable, sql("select amount_minor from ledger_entries where transaction_id = $1 "
                + "and account = 'STRIPE_CLEARING'", UUID.fromString(id)), "the money collected paid out");

        // Paid up: nothing more is payable, and the statement of the month is as it was.
        JsonPath after = given().auth().oauth2(Tokens.olga()).get(base + "/balance").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(earned, after.getLong("balances.find { it.currency == 'CNY' }.earned.amountMinor"));
        assertEquals(paidOut + payable, after.getLong("balances.find { it.currency == 'CNY' }.paidOut.amountMinor"));
        assertEquals(0, after.getLong("balances.find { it.currency == 'CNY' }.payable.amountMinor"));
        payout(Tokens.admin(), base, null, 1, "CNY", "HZ-3").then().statusCode(409);
        given().auth().oauth2(Tokens.olga()).get(base + "/payouts").then().statusCode(200)
                .body("items.find { it.id == '" + id + "' }.reference", equalTo("HZ-2024-01-77"));
        // Paged newest first: a page of one, then the rest after its cursor, each payout once.
        List<String> all = given().auth().oauth2(Tokens.olga()).queryParam("limit", 500).get(base + "/payouts").then()
                .statusCode(200).extract().jsonPath().getList("items.id");
        assertTrue(all.size() >= 2, "the payouts of this test: " + all);
        assertEquals(all.stream().sorted(java.util.Comparator.reverseOrder()).toList(), all, "newest first");
        List<String> walked = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().auth().oauth2(Tokens.olga()).queryParam("limit", 1);
            JsonPath page = (cursor == null ? req : req.queryParam("cursor", cursor)).get(base + "/payouts").then()
                    .statusCode(200).extract().jsonPath();
            walked.addAll(page.getList("items.id"));
            cursor = page.getString("nextCursor");
        } while (cursor != null);
        assertEquals(all, walked);
        given().auth().oauth2(Tokens.olga()).queryParam("limit", 501).get(base + "/payouts").then().statusCode(400);
        given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-01").get(base + "/settlements").then()
                .statusCode(200).body("reconciled", equalTo(true));
        given().auth().oauth2(Tokens.admin()).queryParam("action", "createPayout").get(base + "/audit-events").then()
                .statusCode(200).body("items.findAll { it.target.id == '" + id + "' }.size()", equalTo(1));
    }

    static io.restassured.response.Response payout(String token, String base, String key, long minor,
            String currency, String reference) {
        return payout(token, base, key, minor, currency, reference, null);
    }

    static io.restassured.response.Response payout(String token, String base, String key, long minor,
            String currency, String reference, String method) {
        var request = given().auth().oauth2(token).contentType("application/json").body("{\"amount\":{"
                + "\"amountMinor\":" + minor + ",\"currency\":\"" + currency + "\"},\"reference\":\"" + reference
                + "\"" + (method == null ? "" : ",\"method\":\"" + method + "\"") + "}");
        return (key == null ? request : request.header("Idempotency-Key", key)).post(base + "/payouts");
    }

    static io.restassured.response.Response setAccount(String token, String base, String account) {
        return given().auth().oauth2(token).contentType("application/json")
                .body("{\"stripeAccountId\":\"" + account + "\"}").put(base + "/payout-account");
    }

    /** Runs the billing worker until the payout's transfer row meets the condition (30 s at most), and checks it. */
    /**
     * Brings the payout's transfer to its twelfth attempt, the last before a refusal fails it: 11 made, due now, then
     * rounds until the twelfth is. Set again before each round: the billing worker's own round may have taken the
     * transfer as it was created, and its attempt 1 is then written over an earlier update.
     */
    private void twelfthAttempt(String payout) {
        UUID id = UUID.fromString(payout);
        Instant deadline = Instant.now().plusSeconds(30);
        while (sql("select count(*) from payout_transfers where transaction_id = $1 and attempts >= 12", id) == 0
                && Instant.now().isBefore(deadline)) {
            sqlRun("update payout_transfers set attempts = 11, next_attempt_at = now() where transaction_id = $1 "
                    + "and state = 'PENDING' and attempts < 11", id);
            billing.roundNow();
        }
        assertEquals(1, sql("select count(*) from payout_transfers where transaction_id = $1 and attempts >= 12", id));
    }

    private void untilTransfer(String payout, String condition) {
        String count = "select count(*) from payout_transfers where transaction_id = $1 and " + condition;
        Instant deadline = Instant.now().plusSeconds(30);
        while (sql(count, UUID.fromString(payout)) == 0 && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        assertEquals(1, sql(count, UUID.fromString(payout)), condition);
    }

    /**
     * Keeps the billing worker off the payout's transfer for an hour, once no attempt is under way (one leased before
     * would set its own next attempt when it ends: set again until the hour holds a second later).
     */
    private void parked(String payout) {
        String park = "update payout_transfers set next_attempt_at = date_trunc('second', now()) + interval '1 hour' "
                + "where transaction_id = $1";
        String held = "select count(*) from payout_transfers where transaction_id = $1 "
                + "and next_attempt_at > now() + interval '50 minutes' and next_attempt_at = date_trunc('second', next_attempt_at)";
        Instant deadline = Instant.now().plusSeconds(30);
        do {
            sqlRun(park, UUID.fromString(payout));
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } while (sql(held, UUID.fromString(payout)) == 0 && Instant.now().isBefore(deadline));
        assertEquals(1, sql(held, UUID.fromString(payout)), "parked");
    }

    /** One payout as listPayouts shows it. */
    static JsonPath payoutOf(String base, String id) {
        List<Map<String, Object>> items = given().auth().oauth2(Tokens.olga()).queryParam("limit", 500)
                .get(base + "/payouts").then().statusCode(200).extract().jsonPath().getList("items");
        Map<String, Object> found = items.stream().filter(i -> id.equals(i.get("id"))).findFirst().orElseThrow();
        return new JsonPath(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(found).toString());
    }

    @Test
    void the_settlement_and_the_focus_export_reconcile_with_the_invoices_to_the_minor_unit() {
        Month a = month("2024-11", 4, true);
        Month b = month("2024-11", 3, false);
        // One of a's jobs carries the tenant's tags: its usage rows carry them beside the provider's project tag.
        UUID tagged = History.ran(pool, a.tenant().id(), a.tenant().projectId(), a.cluster(), a.node(), 2,
                Instant.parse("2024-11-25T08:00:00Z"), Instant.parse("2024-11-25T09:30:00Z"), ON_DEMAND);
        sqlRun("update jobs set tags = '{\"team\": \"vision\", \"cost-centre\": \"42\"}'::jsonb, "
                + "name = 'vision nightly' where id = $1", tagged);
        UUID r = History.reserved(pool, a.tenant().id(), a.tenant().projectId(), a.cluster(), 4,
                Instant.parse("2024-11-20T00:00:00Z"), Instant.parse("2024-11-20T12:00:00Z"), 48_000,
                Instant.parse("2024-11-02T00:00:00Z"), null, null);
        meter.drain();
        close("2024-11");
        long totalA = invoiceOf(a.tenant().viewer(), "2024-11").getLong("total.amountMinor");
        long totalB = invoiceOf(b.tenant().viewer(), "2024-11").getLong("total.amountMinor");

        // Settlement: olga's clusters, 10% fee, reconciled with the ledger.
        String operator = given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + a.cluster()).then()
                .extract().path("operatorId");
        JsonPath s = given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-11")
                .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(200).extract().jsonPath();
        assertTrue(s.getBoolean("reconciled"));
        Map<String, Long> revenue = new HashMap<>();
        for (Map<String, Object> line : s.<Map<String, Object>>getList("clusters")) {
            revenue.put((String) line.get("clusterId"), ((Number) ((Map<?, ?>) line.get("revenue")).get("amountMinor"))
                    .longValue());
            long rev = ((Number) ((Map<?, ?>) line.get("revenue")).get("amountMinor")).longValue();
            long fee = ((Number) ((Map<?, ?>) line.get("marketplaceFee")).get("amountMinor")).longValue();
            long payable = ((Number) ((Map<?, ?>) line.get("payable")).get("amountMinor")).longValue();
            assertEquals(rev, fee + payable);
            assertEquals(new BigDecimal(rev).multiply(new BigDecimal("0.10")).setScale(0,
                    java.math.RoundingMode.HALF_EVEN).longValueExact(), fee);
        }
        assertEquals(totalA, revenue.get(a.cluster()), "tenant a used only its own cluster");
        assertEquals(totalB, revenue.get(b.cluster()));
        // The same statement as the spreadsheet a city's finance books it in: a row per cluster, the JSON's figures.
        String sheet = given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-11").queryParam("format", "csv")
                .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(200)
                .contentType(containsString("text/csv")).extract().asString();
        List<String> sheetLines = sheet.lines().toList();
        assertEquals("period,operator_id,cluster_id,cluster_slug,currency,revenue,reservation_shortfall_credits,"
                + "fee_percent,marketplace_fee,payable,invoices,reconciled", sheetLines.get(0));
        assertEquals(s.getList("clusters").size() + 1, sheetLines.size(), sheet);
        for (String row : sheetLines.subList(1, sheetLines.size())) {
            String[] f = row.split(",");
            assertEquals(0, new BigDecimal(f[5]).compareTo(BigDecimal.valueOf(revenue.get(f[2]), 2)), row);
            assertEquals("true", f[11], row);
        }
        given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-11").queryParam("format", "pdf")
                .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(400)
                .body("errors[0].field", equalTo("format"));
        given().auth().oauth2(a.tenant().admin()).queryParam("period", "2024-11")
                .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(403);
        given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-11")
                .get("/api/v1/operators/" + UUID.randomUUID() + "/settlements").then().statusCode(404);

        // FOCUS: every row passes the validator; BilledCost sums to each invoice's total.
        FocusValidator validator = new FocusValidator();
        for (World.Tenant t : List.of(a.tenant(), b.tenant())) {
            String csv = given().auth().oauth2(t.viewer()).queryParam("from", "2024-11-01T00:00:00Z")
                    .queryParam("to", "2024-12-01T00:00:00Z").queryParam("format", "csv")
                    .get("/api/v1/exports/focus").then().statusCode(200).contentType(containsString("text/csv"))
                    .extract().asString();
            List<String> header = new ArrayList<>();
            List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
            assertEquals(List.of(), validator.validate(header, rows));
            assertFalse(rows.isEmpty());
            assertEquals(Set.of(t.id()), rows.stream().map(x -> x.get("BillingAccountId")).collect(Collectors.toSet()),
                    "a tenant gets its own rows only");
            Map<String, BigDecimal> byInvoice = new HashMap<>();
            rows.forEach(x -> byInvoice.merge(x.get("InvoiceId"), new BigDecimal(x.get("BilledCost")),
                    BigDecimal::add));
            long total = t == a.tenant() ? totalA : totalB;
            assertEquals(1, byInvoice.size());
            assertEquals(0, byInvoice.values().iterator().next().compareTo(BigDecimal.valueOf(total, 2)));
            assertTrue(rows.stream().allMatch(x -> x.get("Tags") != null || x.get("SubAccountId") == null));
        }
        String json = given().auth().oauth2(a.tenant().viewer()).queryParam("from", "2024-11-01T00:00:00Z")
                .queryParam("to", "2024-12-01T00:00:00Z").queryParam("format", "json").get("/api/v1/exports/focus")
                .then().statusCode(200).extract().asString();
        List<Map<String, Object>> jsonRows = JsonPath.from(json).getList("$");
        assertTrue(jsonRows.stream().anyMatch(x -> r.toString().equals(x.get("CapacityReservationId"))
                && "Purchase".equals(x.get("ChargeCategory"))));
        assertTrue(jsonRows.stream().filter(x -> "Usage".equals(x.get("ChargeCategory")))
                .allMatch(x -> "GPU-Hours".equals(x.get("ConsumedUnit")) && x.get("ResourceId") != null));
        String projectSlug = given().auth().oauth2(a.tenant().viewer()).get("/api/v1/tenants/" + a.tenant().id()
                + "/projects/" + a.tenant().projectId()).then().statusCode(200).extract().path("slug");
        List<Map<String, Object>> taggedRows = jsonRows.stream().filter(x -> tagged.toString().equals(
                x.get("ResourceId"))).toList();
        assertEquals(2, taggedRows.size(), "08:00-09:00 and 09:00-09:30");
        for (Map<String, Object> x : taggedRows) {
            assertEquals(Map.of("myriad/project", projectSlug, "team", "vision", "cost-centre", "42"), x.get("Tags"));
            assertEquals("vision nightly", x.get("ResourceName"), "the job's name");
        }
        assertTrue(jsonRows.stream().filter(x -> "Usage".equals(x.get("ChargeCategory")) && !taggedRows.contains(x))
                .allMatch(x -> Map.of("myriad/project", projectSlug).equals(x.get("Tags"))
                        && ("job " + x.get("ResourceId")).equals(x.get("ResourceName"))), "no name: the id's words");
        // The operator sees both tenants' rows on its clusters; nobody else's.
        String ops = given().auth().oauth2(Tokens.olga()).queryParam("from", "2024-11-01T00:00:00Z")
                .queryParam("to", "2024-12-01T00:00:00Z").get("/api/v1/exports/focus").then().statusCode(200)
                .extract().asString();
        List<String> opsHeader = new ArrayList<>();
        Set<String> accounts = new TreeSet<>();
        FocusValidator.Csv.rows(ops, opsHeader).forEach(x -> accounts.add(x.get("BillingAccountId")));
        assertTrue(accounts.containsAll(Set.of(a.tenant().id(), b.tenant().id())));
    }

    @Test
    void reserved_card_time_not_delivered_is_credited_once_per_period_and_the_operator_is_settled_the_less() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        Instant start = Instant.parse("2025-04-29T00:00:00Z");
        Instant end = Instant.parse("2025-05-02T00:00:00Z");        // 72 hours of 8 cards
        long total = 576_007;                                         // odd, so that rounding shows
        UUID r = History.reserved(pool, t.id(), t.projectId(), cluster, 8, start, end, total,
                Instant.parse("2025-04-02T10:00:00Z"), null, null);
        // As the loop writes them: 2 cards short for 3.5 h; then 3 cards short from April 30 22:00, never ended
        // (the window's end bounds it); another tenant's reservation, whole, on the same cluster.
        History.shortOf(pool, r, t.id(), cluster, 2, Instant.parse("2025-04-29T06:00:00Z"),
                Instant.parse("2025-04-29T09:30:00Z"));
        History.shortOf(pool, r, t.id(), cluster, 3, Instant.parse("2025-04-30T22:00:00Z"), null);
        World.Tenant other = World.tenant();
        History.reserved(pool, other.id(), other.projectId(), cluster, 8, start, end, total,
                Instant.parse("2025-04-02T10:00:00Z"), null, null);
        BigDecimal window = BigDecimal.valueOf(8L * 1000 * 72 * 3600);
        long aprilCms = 2L * 1000 * 3 * 3600 + 2L * 1000 * 1800 + 3L * 1000 * 2 * 3600;
        long mayCms = 3L * 1000 * 24 * 3600;
        long aprilCredit = BigDecimal.valueOf(total).multiply(BigDecimal.valueOf(aprilCms))
                .divide(window, 0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        long mayCredit = BigDecimal.valueOf(total).multiply(BigDecimal.valueOf(mayCms))
                .divide(window, 0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        assertEquals(13_000, aprilCredit, "576,007 x 13 / 576 card-hours, rounded");
        assertEquals(72_001, mayCredit, "576,007 / 8, half-even");

        // April's draft already shows the credit as the close will bill it.
        JsonPath draft = invoiceOf(t.viewer(), "2025-04");
        assertEquals(List.of("RESERVATION", "RESERVATION_SHORTFALL_CREDIT"), draft.getList("lines.kind"));
        close("2025-04");
        JsonPath april = invoiceOf(t.viewer(), "2025-04");
        assertEquals("ISSUED", april.getString("state"));
        assertEquals(List.of("RESERVATION", "RESERVATION_SHORTFALL_CREDIT"), april.getList("lines.kind"));
        assertEquals(draft.getList("lines.amount.amountMinor"), april.getList("lines.amount.amountMinor"));
        assertEquals(-aprilCredit, april.getLong("lines[1].amount.amountMinor"));
        assertEquals(r.toString(), april.getString("lines[1].reservationId"));
        assertEquals(0, new BigDecimal("13").compareTo(new BigDecimal(april.getString("lines[1].gpuHours"))));
        assertEquals("2025-04-29T06:00:00Z", april.getString("lines[1].from"));
        assertEquals("2025-05-01T00:00:00Z", april.getString("lines[1].to"), "April's part ends with April");
        assertEquals(total - aprilCredit, april.getLong("total.amountMinor"));
        assertEquals(List.of("RESERVATION"), invoiceOf(other.viewer(), "2025-04").getList("lines.kind"),
                "a whole reservation is not credited");

        // The operator is settled the revenue less the credit.
        String operator = given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster).then()
                .extract().path("operatorId");
        JsonPath s = given().auth().oauth2(Tokens.olga()).queryParam("period", "2025-04")
                .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(200).extract().jsonPath();
        assertTrue(s.getBoolean("reconciled"));
        Map<String, Object> line = s.<Map<String, Object>>getList("clusters").stream()
                .filter(x -> cluster.equals(x.get("clusterId"))).findFirst().orElseThrow();
        assertEquals(2 * total - aprilCredit, ((Number) ((Map<?, ?>) line.get("revenue")).get("amountMinor"))
                .longValue());
        assertEquals(-aprilCredit, ((Number) ((Map<?, ?>) line.get("reservationShortfallCredits"))
                .get("amountMinor")).longValue(), "the statement says why the revenue is lower");

        // FOCUS: the credit is a Credit row of the reservation, and the rows still sum to the invoice.
        String csv = given().auth().oauth2(t.viewer()).queryParam("from", "2025-04-01T00:00:00Z")
                .queryParam("to", "2025-05-01T00:00:00Z").queryParam("format", "csv").get("/api/v1/exports/focus")
                .then().statusCode(200).extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        Map<String, String> credit = rows.stream()
                .filter(x -> "RESERVATION_SHORTFALL_CREDIT".equals(x.get("x_InvoiceLineKind"))).findFirst()
                .orElseThrow();
        assertEquals("Credit", credit.get("ChargeCategory"));
        assertEquals(r.toString(), credit.get("CapacityReservationId"));
        assertEquals(0, new BigDecimal(credit.get("BilledCost")).compareTo(BigDecimal.valueOf(-aprilCredit, 2)));
        assertEquals(0, rows.stream().map(x -> new BigDecimal(x.get("BilledCost"))).reduce(BigDecimal.ZERO,
                BigDecimal::add).compareTo(BigDecimal.valueOf(total - aprilCredit, 2)));

        // May: the rest of the open stretch, up to the window's end; nothing of April again. Only a credit: it is
        // carried to the prepaid wallet.
        close("2025-05");
        JsonPath may = invoiceOf(t.viewer(), "2025-05");
        assertEquals(List.of("RESERVATION_SHORTFALL_CREDIT", "CREDIT_CARRIED"), may.getList("lines.kind"));
        assertEquals(-mayCredit, may.getLong("lines[0].amount.amountMinor"));
        assertEquals("2025-05-01T00:00:00Z", may.getString("lines[0].from"));
        assertEquals("2025-05-02T00:00:00Z", may.getString("lines[0].to"));
        assertEquals(0, may.getLong("total.amountMinor"));
        assertEquals(1, sql("select count(*) from invoice_lines where reservation_id = $1 and kind = "
                + "'RESERVATION_SHORTFALL_CREDIT' and hours_from < '2025-05-01'", r), "April credited once");
        // Another tenant sees neither the credit nor the shortfall.
        given().auth().oauth2(other.admin()).get("/api/v1/invoices/" + may.getString("id")).then().statusCode(404);
        given().auth().oauth2(other.admin()).get("/api/v1/reservations/" + r).then().statusCode(404);
    }

    @Test
    void an_extension_is_billed_once_in_the_period_it_was_bought_and_a_shortfall_is_credited_at_the_whole_price() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        // 8 cards for 24 hours bought in September for 192,000; extended in September by 12 hours (96,000) and in
        // October by 12 more (120,000: the price went up).
        Instant start = Instant.parse("2025-09-20T00:00:00Z");
        UUID r = History.reserved(pool, t.id(), t.projectId(), cluster, 8, start, start.plus(Duration.ofHours(24)),
                192_000, Instant.parse("2025-09-02T10:00:00Z"), null, null);
        History.extended(pool, r, start.plus(Duration.ofHours(36)), 96_000, Instant.parse("2025-09-25T10:00:00Z"));
        History.extended(pool, r, start.plus(Duration.ofHours(48)), 120_000, Instant.parse("2025-10-01T00:30:00Z"));
        // 4 cards short for 6 hours in the first extension's window: credited at the price of the whole window
        // (408,000 for 384 card-hours), 24 card-hours.
        History.shortOf(pool, r, t.id(), cluster, 4, start.plus(Duration.ofHours(28)),
                start.plus(Duration.ofHours(34)));
        long credit = BigDecimal.valueOf(408_000L * 24).divide(BigDecimal.valueOf(384), 0,
                java.math.RoundingMode.HALF_EVEN).longValueExact();

        close("2025-09");
        JsonPath september = invoiceOf(t.viewer(), "2025-09");
        assertEquals(List.of("RESERVATION", "RESERVATION_EXTENSION", "RESERVATION_SHORTFALL_CREDIT"),
                september.getList("lines.kind"));
        assertEquals(List.of(192_000, 96_000, (int) -credit), september.getList("lines.amount.amountMinor"));
        assertEquals("2025-09-21T00:00:00Z", september.getString("lines[0].to"), "the window as bought");
        assertEquals("2025-09-21T00:00:00Z", september.getString("lines[1].from"));
        assertEquals("2025-09-21T12:00:00Z", september.getString("lines[1].to"));
        assertEquals(0, new BigDecimal("96").compareTo(new BigDecimal(september.getString("lines[1].gpuHours"))));
        assertEquals(r.toString(), september.getString("lines[1].reservationId"));

        close("2025-10");
        JsonPath october = invoiceOf(t.viewer(), "2025-10");
        assertEquals(List.of("RESERVATION_EXTENSION"), october.getList("lines.kind"), "September's not again");
        assertEquals(120_000, october.getLong("lines[0].amount.amountMinor"));
        assertEquals("2025-09-21T12:00:00Z", october.getString("lines[0].from"));
        assertEquals(0, sql("select count(*) from reservation_extensions where reservation_id = $1 and invoice_id "
                + "is null", r), "every extension billed");
        assertEquals(2, sql("select count(distinct invoice_id) from reservation_extensions where reservation_id = $1",
                r));
        // The cluster's operator is settled each month's extension with the purchase, less the credit.
        String operator = given().auth().oauth2(Tokens.admin()).get("/api/v1/clusters/" + cluster).then()
                .extract().path("operatorId");
        for (String[] month : new String[][] {{"2025-09", String.valueOf(192_000 + 96_000 - credit)},
                {"2025-10", "120000"}}) {
            JsonPath settlement = given().auth().oauth2(Tokens.olga()).queryParam("period", month[0])
                    .get("/api/v1/operators/" + operator + "/settlements").then().statusCode(200).extract().jsonPath();
            assertTrue(settlement.getBoolean("reconciled"));
            Map<String, Object> line = settlement.<Map<String, Object>>getList("clusters").stream()
                    .filter(x -> cluster.equals(x.get("clusterId"))).findFirst().orElseThrow();
            assertEquals(Long.parseLong(month[1]), ((Number) ((Map<?, ?>) line.get("revenue")).get("amountMinor"))
                    .longValue(), month[0]);
        }

        // FOCUS: an extension is a Purchase of card-hours of the reservation; the rows sum to the invoices.
        String csv = given().auth().oauth2(t.viewer()).queryParam("from", "2025-09-01T00:00:00Z")
                .queryParam("to", "2025-11-01T00:00:00Z").queryParam("format", "csv").get("/api/v1/exports/focus")
                .then().statusCode(200).extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        List<Map<String, String>> added = rows.stream()
                .filter(x -> "RESERVATION_EXTENSION".equals(x.get("x_InvoiceLineKind"))).toList();
        assertEquals(2, added.size(), rows.toString());
        for (Map<String, String> x : added) {
            assertEquals("Purchase", x.get("ChargeCategory"));
            assertEquals(r.toString(), x.get("CapacityReservationId"));
            assertEquals(0, new BigDecimal("96").compareTo(new BigDecimal(x.get("PricingQuantity"))));
        }
        assertEquals(0, rows.stream().map(x -> new BigDecimal(x.get("BilledCost"))).reduce(BigDecimal.ZERO,
                BigDecimal::add).compareTo(BigDecimal.valueOf(192_000 + 96_000 + 120_000 - credit, 2)));
    }

    @Test
    void this_months_draft_credits_an_open_shortfall_up_to_now_not_to_the_months_end() {
        World.Tenant t = World.tenant();
        String cluster = World.cluster(1);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant monthStart = city.myriad.platform.time.Period.of(now).start();
        // A window of 8 cards that began at the month's start (or two hours ago) and ends in 30 days; 4 cards short
        // since an hour ago (or since the month began), still open.
        Instant start = now.minusSeconds(7200).isBefore(monthStart) ? monthStart : now.minusSeconds(7200);
        Instant shortSince = now.minusSeconds(3600).isBefore(monthStart) ? monthStart : now.minusSeconds(3600);
        UUID r = History.reserved(pool, t.id(), t.projectId(), cluster, 8, start, now.plus(Duration.ofDays(30)),
                1_000_000, start, null, null);
        History.shortOf(pool, r, t.id(), cluster, 4, shortSince, null);
        JsonPath draft = invoiceOf(t.viewer(), city.myriad.platform.time.Period.of(now).toString());
        assertEquals("DRAFT", draft.getString("state"));
        Map<String, Object> credit = draft.<Map<String, Object>>getList("lines").stream()
                .filter(l -> "RESERVATION_SHORTFALL_CREDIT".equals(l.get("kind"))).findFirst().orElseThrow();
        // Card-hours short so far: 4 cards since shortSince, up to the draft's now (a few seconds after `now`;
        // ten minutes is a bound for a slow machine, not a timing check), not to the month's end.
        double hours = new BigDecimal(credit.get("gpuHours").toString()).doubleValue();
        double atLeast = 4 * Duration.between(shortSince, now).toSeconds() / 3600.0;
        assertTrue(hours >= atLeast && hours <= atLeast + 4 * 600 / 3600.0, hours + " card-hours, from " + atLeast);
        assertEquals(shortSince.toString(), credit.get("from"));
    }

    @Test
    void tenants_never_see_each_others_invoices_balances_or_credit_and_bad_input_is_a_clear_problem() {
        Month m = month("2024-12", 1, false);
        World.Tenant other = World.tenant();
        meter.drain();
        String id = invoiceOf(m.tenant().viewer(), "2024-12").getString("id");
        given().auth().oauth2(other.admin()).get("/api/v1/invoices/" + id).then().statusCode(404)
                .body("code", equalTo("INVOICE_NOT_FOUND"));
        assertEquals(0, given().auth().oauth2(other.admin()).get("/api/v1/invoices").then().statusCode(200)
                .extract().jsonPath().getList("items").size());
        given().auth().oauth2(other.admin()).get("/api/v1/tenants/" + m.tenant().id() + "/balance").then()
                .statusCode(404);
        given().auth().oauth2(other.admin()).queryParam("tenantId", m.tenant().id()).get("/api/v1/invoices").then()
                .statusCode(404);
        given().auth().oauth2(m.tenant().admin()).contentType("application/json")
                .body("{\"amount\":{\"amountMinor\":100,\"currency\":\"CNY\"}}")
                .post("/api/v1/tenants/" + m.tenant().id() + "/credits").then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        String key = "k-" + UUID.randomUUID();
        grant(m.tenant(), 700, key);
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("Idempotency-Key", key)
                .body("{\"amount\":{\"amountMinor\":800,\"currency\":\"CNY\"}}")
                .post("/api/v1/tenants/" + m.tenant().id() + "/credits").then().statusCode(409)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json")
                .body("{\"amount\":{\"amountMinor\":-5,\"currency\":\"CNY\"}}")
                .post("/api/v1/tenants/" + m.tenant().id() + "/credits").then().statusCode(400);
        assertEquals(700, balance(m.tenant()).getLong("balances[0].prepaidCredit.amountMinor"));
        List<Map<String, Object>> grants = given().auth().oauth2(m.tenant().viewer()).get("/api/v1/tenants/"
                + m.tenant().id() + "/credits").then().statusCode(200).extract().jsonPath().getList("$");
        assertEquals(1, grants.size());
        given().auth().oauth2(m.tenant().viewer()).get("/api/v1/tenants/" + m.tenant().id() + "/credits/"
                + grants.get(0).get("id")).then().statusCode(200).body("amount.amountMinor", equalTo(700));
        given().auth().oauth2(other.admin()).get("/api/v1/tenants/" + m.tenant().id() + "/credits/"
                + grants.get(0).get("id")).then().statusCode(404);
        given().auth().oauth2(other.admin()).get("/api/v1/tenants/" + other.id() + "/credits/"
                + grants.get(0).get("id")).then().statusCode(404).body("code", equalTo("CREDIT_GRANT_NOT_FOUND"));
        given().auth().oauth2(m.tenant().viewer()).queryParam("from", "2024-12-01T00:00:00Z")
                .queryParam("to", "2024-12-02T00:00:00Z").queryParam("format", "xml").get("/api/v1/exports/focus")
                .then().statusCode(400).body("code", equalTo("INVALID_EXPORT_FORMAT"));
        given().auth().oauth2(m.tenant().viewer()).queryParam("from", "yesterday").get("/api/v1/exports/focus")
                .then().statusCode(400).body("code", equalTo("VALIDATION_FAILED"));
        given().auth().oauth2(m.tenant().viewer()).queryParam("state", "LOST").get("/api/v1/invoices").then()
                .statusCode(400);
        given().auth().oauth2(Tokens.olga()).queryParam("period", "2024-13").get("/api/v1/operators/"
                + UUID.randomUUID() + "/settlements").then().statusCode(400).body("code", equalTo("INVALID_PERIOD"));
        given().contentType("application/json").header("Stripe-Signature", "t=1,v1=00").body("{}")
                .post("/api/v1/stripe/webhooks").then().statusCode(400).body("code", equalTo("INVALID_SIGNATURE"));
    }

    // --- helpers

    /** Runs billing rounds until the invoice's push has been tried (and failed) at least once, for 30 s at most. */
    void untilTried(String invoiceId) {
        untilTried(invoiceId, 1);
    }

    /** The same, until it has failed {@code times} times. */
    void untilTried(String invoiceId, int times) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (sql("select attempts from stripe_pushes where invoice_id = $1", UUID.fromString(invoiceId)) < times
                && Instant.now().isBefore(deadline)) {
            billing.roundNow();
            sleep(100);
        }
    }

    JsonPath untilPushed(String token, String invoiceId) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            billing.roundNow();
            JsonPath j = given().auth().oauth2(token).get("/api/v1/invoices/" + invoiceId).then().statusCode(200)
                    .extract().jsonPath();
            if ("PUSHED".equals(j.getString("stripeState"))) {
                return j;
            }
            sleep(100);
        }
        throw new AssertionError("invoice " + invoiceId + " never reached Stripe");
    }

    static String paidEvent(String eventId, String stripeInvoice, String invoiceId, String type) {
        ObjectNode object = StripeStubs.object("invoice");
        object.put("id", stripeInvoice);
        object.putObject("metadata").put("myriad_invoice_id", invoiceId);
        return StripeStubs.event(eventId, type, object);
    }

    static io.restassured.response.Response signed(String payload) {
        return given().contentType("application/json")
                .header("Stripe-Signature", StripeStubs.sign(payload, StripeStubs.WEBHOOK_SECRET)).body(payload)
                .post("/api/v1/stripe/webhooks");
    }

    /** The tenant's invoices overdue now, as its viewer lists them. */
    static List<String> overdueInvoices(World.Tenant t) {
        return given().auth().oauth2(t.viewer()).queryParam("overdue", "true").get("/api/v1/invoices").then()
                .statusCode(200).extract().jsonPath().getList("items.id");
    }

    static JsonPath balance(World.Tenant t) {
        return given().auth().oauth2(t.viewer()).get("/api/v1/tenants/" + t.id() + "/balance").then().statusCode(200)
                .extract().jsonPath();
    }

    static io.restassured.response.Response submit(Month m) {
        return given().auth().oauth2(m.tenant().member()).contentType("application/json")
                .body("{\"clusterId\":\"" + m.cluster() + "\",\"projectId\":\"" + m.tenant().projectId()
                        + "\",\"model\":\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":60}")
                .post("/api/v1/jobs");
    }

    void sqlRun(String query, Object... args) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
