package city.myriad.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.billing.service.BillingWorker;
import city.myriad.metering.service.MeteringWorker;
import city.myriad.support.FocusValidator;
import city.myriad.support.History;
import city.myriad.support.Periods;
import city.myriad.support.StripeStubs;
import city.myriad.support.Tokens;
import city.myriad.support.World;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Credit notes through the HTTP API against the real database, the real stripe-java client (WireMock answering with
 * Stripe's own credit note object) and the ledger: what an issued invoice owes goes down and a whole credit settles
 * it, a paid invoice's credit goes to the wallet, never more than billed, a retry never credits twice, another
 * tenant sees nothing, and the FOCUS export carries each as a correction. Months of their own (2022-08, 2022-11, 2023-02, 2023-07, 2023-10).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
@QuarkusTestResource(StripeStubs.class)
class CreditNoteTest {

    @Inject
    MeteringWorker meter;

    @Inject
    BillingWorker billing;

    @Inject
    Pool pool;

    /** A tenant with one run of 3 h on 4 cards in the month, its invoice issued and in Stripe; answers the invoice. */
    JsonPath issued(World.Tenant t, String period) {
        String cluster = World.cluster(1);
        String node = BillingTest.slug(cluster) + "-n1";
        Instant start = Instant.parse(period + "-05T10:00:00Z");
        History.ran(pool, t.id(), t.projectId(), cluster, node, 4, start, start.plusSeconds(3 * 3600),
                BillingTest.ON_DEMAND);
        meter.drain();
        Periods.close(period);
        List<Map<String, Object>> items = given().auth().oauth2(t.viewer()).queryParam("period", period)
                .get("/api/v1/invoices").then().statusCode(200).extract().jsonPath().getList("items");
        String id = (String) items.get(0).get("id");
        Instant deadline = Instant.now().plusSeconds(30);
        JsonPath invoice = invoice(t, id);
        while (!"PUSHED".equals(invoice.getString("stripeState")) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
            invoice = invoice(t, id);
        }
        assertEquals("PUSHED", invoice.getString("stripeState"));
        return invoice;
    }

    static JsonPath invoice(World.Tenant t, String id) {
        return given().auth().oauth2(t.viewer()).get("/api/v1/invoices/" + id).then().statusCode(200).extract()
                .jsonPath();
    }

    static Response credit(String token, String invoiceId, String key, String body) {
        var r = given().auth().oauth2(token).contentType("application/json");
        if (key != null) {
            r = r.header("Idempotency-Key", key);
        }
        return r.body(body).post("/api/v1/invoices/" + invoiceId + "/credit-notes");
    }

    static String body(long minor, String currency, String reason, String memo) {
        return "{\"amount\":{\"amountMinor\":" + minor + ",\"currency\":\"" + currency + "\"},\"reason\":\"" + reason
                + "\"" + (memo == null ? "" : ",\"memo\":\"" + memo + "\"") + "}";
    }

    long sql(String query, Object... args) {
        Row r = pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely().iterator().next();
        return r.getValue(0) == null ? 0 : r.getLong(0);
    }

    long receivable(World.Tenant t) {
        return BillingTest.balance(t).getLong("balances.find { it.currency == 'CNY' }.receivable.amountMinor");
    }

    long events(World.Tenant t, String type) {
        return sql("select count(*) from webhook_deliveries where tenant_id = $1 and event_type = $2",
                UUID.fromString(t.id()), type);
    }

    /**
     * Stripe answering the invoice's credit note creates with an error (its status, type and message) until the stub
     * is removed; with {@code unlessOutOfBand}, only those without {@code out_of_band_amount}.
     */
    static com.github.tomakehurst.wiremock.stubbing.StubMapping refuseCreditNotes(String stripeInvoice, int status,
            String type, String message, boolean unlessOutOfBand) {
        var request = com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/v1/credit_notes"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("invoice=" + stripeInvoice));
        if (unlessOutOfBand) {
            request = request.withRequestBody(com.github.tomakehurst.wiremock.client.WireMock
                    .notContaining("out_of_band_amount"));
        }
        return StripeStubs.server().stubFor(request.atPriority(1).willReturn(com.github.tomakehurst.wiremock.client
                .WireMock.aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}")));
    }

    static List<LoggedRequest> stripeCreditNotes(String stripeInvoice) {
        return StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/credit_notes"))).stream()
                .filter(r -> r.getBodyAsString().contains("invoice=" + stripeInvoice)).toList();
    }

    @Test
    void an_issued_invoice_owes_less_by_each_credit_note_is_settled_by_a_whole_credit_and_never_credited_twice() {
        World.Tenant t = World.tenant();
        BillingTest.subscribe(t, "http://127.0.0.1:9/hook", "[\"invoice.credited\",\"invoice.paid\"]");
        JsonPath issued = issued(t, "2023-07");
        String id = issued.getString("id");
        String number = issued.getString("number");
        String stripeInvoice = issued.getString("stripeInvoiceId");
        long total = issued.getLong("total.amountMinor");
        assertTrue(total > 1000, "a run worth crediting: " + total);
        assertEquals(total, issued.getLong("amountDue.amountMinor"));
        assertEquals(0, issued.getLong("credited.amountMinor"));

        // Only platform admins credit; bad input is a 400 naming the field, and nothing is written.
        credit(t.admin(), id, null, body(100, "CNY", "GOODWILL", null)).then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        credit(Tokens.admin(), id, null, body(0, "CNY", "GOODWILL", null)).then().statusCode(400)
                .body("errors[0].field", equalTo("amount.amountMinor"));
        credit(Tokens.admin(), id, null, body(100, "CNY", "NICE", null)).then().statusCode(400)
                .body("errors[0].field", equalTo("reason"));
        credit(Tokens.admin(), id, null, body(100, "USD", "GOODWILL", null)).then().statusCode(400)
                .body("errors[0].field", equalTo("amount.currency"));
        credit(Tokens.admin(), id, null, "{\"reason\":\"GOODWILL\"}").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        credit(Tokens.admin(), id, null, body(total + 1, "CNY", "GOODWILL", null)).then().statusCode(409)
                .body("code", equalTo("CREDIT_NOTE_EXCEEDS_INVOICE"));
        credit(Tokens.admin(), UUID.randomUUID().toString(), null, body(100, "CNY", "GOODWILL", null)).then()
                .statusCode(404).body("code", equalTo("INVOICE_NOT_FOUND"));
        assertEquals(0, sql("select count(*) from credit_notes where invoice_id = $1", UUID.fromString(id)));

        // 300 for an outage: the invoice stays as issued and owes 300 less; sent twice under one key, made once.
        String key = "cn-" + UUID.randomUUID();
        Response made = credit(Tokens.admin(), id, key, body(300, "CNY", "SERVICE_LEVEL", "Outage of 2023-07-05"));
        made.then().statusCode(201).header("Idempotent-Replayed", "false")
                .body("number", equalTo(number + "-CN1")).body("appliedTo", equalTo("AMOUNT_DUE"))
                .body("amount.amountMinor", equalTo(300)).body("stripeState", equalTo("PENDING"));
        String noteId = made.jsonPath().getString("id");
        assertEquals("/api/v1/credit-notes/" + noteId, java.net.URI.create(made.header("Location")).getPath());
        credit(Tokens.admin(), id, key, body(300, "CNY", "SERVICE_LEVEL", "Outage of 2023-07-05")).then()
                .statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(noteId));
        credit(Tokens.admin(), id, key, body(301, "CNY", "SERVICE_LEVEL", null)).then().statusCode(409)
                .body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        JsonPath after = invoice(t, id);
        assertEquals("ISSUED", after.getString("state"));
        assertEquals(total, after.getLong("total.amountMinor"), "an issued invoice never changes");
        assertEquals(300, after.getLong("credited.amountMinor"));
        assertEquals(total - 300, after.getLong("amountDue.amountMinor"));
        assertEquals(total - 300, receivable(t), "the receivable is what is still owed");
        // Its charge fails: what is overdue is what is still owed, not what was billed.
        BillingTest.signed(BillingTest.paidEvent("evt_" + UUID.randomUUID(), stripeInvoice, id,
                "invoice.payment_failed")).then().statusCode(200).body("outcome", equalTo("PAYMENT_FAILED"));
        assertEquals(total - 300, BillingTest.balance(t).getLong(
                "balances.find { it.currency == 'CNY' }.overdue.amountMinor"));
        assertEquals(1, sql("select count(*) from ledger_transactions where kind = 'CREDIT_NOTE' and invoice_id = $1",
                UUID.fromString(id)));
        // The marketplace bears it: its revenue is debited, no operator's payable moves.
        assertEquals(300, sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions x "
                + "on x.id = e.transaction_id where x.kind = 'CREDIT_NOTE' and x.invoice_id = $1 "
                + "and e.account = 'MARKETPLACE_REVENUE'", UUID.fromString(id)));
        assertEquals(0, sql("select count(*) from ledger_entries e join ledger_transactions x on x.id = e.transaction_id "
                + "where x.kind = 'CREDIT_NOTE' and x.invoice_id = $1 and e.account = 'OPERATOR_PAYABLE'",
                UUID.fromString(id)));

        // Stripe: made once on the Stripe invoice, with Stripe's nearest reason, however often the worker runs.
        untilTrue(() -> !stripeCreditNotes(stripeInvoice).isEmpty());
        billing.roundNow();
        List<LoggedRequest> inStripe = stripeCreditNotes(stripeInvoice);
        assertEquals(1, inStripe.size());
        assertEquals("myriad-credit-note-" + noteId, inStripe.get(0).getHeader("Idempotency-Key"));
        String form = inStripe.get(0).getBodyAsString();
        assertTrue(form.contains("amount=300") && form.contains("reason=product_unsatisfactory")
                && !form.contains("out_of_band_amount"), form);
        given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + noteId).then().statusCode(200)
                .body("stripeState", equalTo("PUSHED"))
                .body("stripeCreditNoteId", equalTo("cn_myriad-credit-note-" + noteId))
                .body("invoiceNumber", equalTo(number)).body("memo", equalTo("Outage of 2023-07-05"));
        String printable = given().auth().oauth2(t.viewer()).accept("text/html").get("/api/v1/credit-notes/" + noteId)
                .then().statusCode(200).contentType(org.hamcrest.Matchers.containsString("text/html")).extract()
                .asString();
        assertTrue(printable.contains("<h1>Credit note " + number + "-CN1</h1>") && printable.contains("-3.00 CNY")
                && printable.contains("Outage of 2023-07-05") && printable.contains(number + " (billing period 2023-07)"),
                printable);

        // A void would undo the issue under the credit note: refused; what is left is credited instead.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + id + "/void").then().statusCode(409)
                .body("code", equalTo("INVOICE_STATE_CONFLICT"));
        credit(Tokens.admin(), id, null, body(total - 300, "CNY", "BILLING_ERROR", null)).then().statusCode(201)
                .body("number", equalTo(number + "-CN2")).body("appliedTo", equalTo("AMOUNT_DUE"));
        JsonPath settled = invoice(t, id);
        assertEquals("PAID", settled.getString("state"), "nothing left to collect");
        assertEquals(0, settled.getLong("amountDue.amountMinor"));
        assertEquals(total, settled.getLong("credited.amountMinor"));
        assertEquals(0, receivable(t));
        assertEquals(0, sql("select count(*) from ledger_transactions where kind = 'PAYMENT' and invoice_id = $1",
                UUID.fromString(id)), "no money was paid");
        // Stripe then tells Myriad its invoice is paid (credited whole): nothing more is posted.
        BillingTest.signed(BillingTest.paidEvent("evt_" + UUID.randomUUID(), stripeInvoice, id, "invoice.paid"))
                .then().statusCode(200).body("outcome", equalTo("ALREADY_PAID"));
        assertEquals(0, receivable(t));
        // Nothing more to credit on it.
        credit(Tokens.admin(), id, null, body(1, "CNY", "GOODWILL", null)).then().statusCode(409)
                .body("code", equalTo("CREDIT_NOTE_EXCEEDS_INVOICE"));
        assertEquals(2, events(t, "invoice.credited"));
        assertEquals(total, sql("select max((payload::jsonb #>> '{data,credited,amountMinor}')::bigint) "
                + "from webhook_deliveries where tenant_id = $1 and event_type = 'invoice.credited'",
                UUID.fromString(t.id())), "the event says what is credited so far");
        assertEquals(1, events(t, "invoice.paid"));

        // The account statement: issued, then credited twice; nothing owed at the end. As a spreadsheet too.
        String statement = "/api/v1/tenants/" + t.id() + "/statement";
        String from = Instant.now().minusSeconds(3600).toString();
        String to = Instant.now().plusSeconds(60).toString();
        JsonPath st = given().auth().oauth2(t.viewer()).queryParam("currency", "CNY").queryParam("from", from)
                .queryParam("to", to).get(statement).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("INVOICE_ISSUED", "CREDIT_NOTE", "CREDIT_NOTE"), st.getList("lines.kind"));
        assertEquals(List.of(total, -300L, -(total - 300)), st.getList("lines.amount.amountMinor", Long.class));
        assertEquals(0, st.getLong("closingBalance.amountMinor"));
        String sheet = given().auth().oauth2(t.viewer()).queryParam("currency", "CNY").queryParam("from", from)
                .queryParam("to", to).queryParam("format", "csv").get(statement).then().statusCode(200)
                .contentType(org.hamcrest.Matchers.containsString("text/csv")).extract().asString();
        List<String> sheetLines = sheet.lines().toList();
        assertEquals("at,kind,description,invoice_id,invoice_number,amount,balance,currency", sheetLines.get(0));
        assertEquals(6, sheetLines.size(), sheet);
        assertTrue(sheetLines.get(1).contains(",OPENING_BALANCE,") && sheetLines.get(1).endsWith(",0.00,CNY"), sheet);
        assertTrue(sheetLines.get(3).contains(",CREDIT_NOTE,") && sheetLines.get(3).contains(",-3.00,"), sheet);
        assertTrue(sheetLines.get(5).contains(",CLOSING_BALANCE,") && sheetLines.get(5).endsWith(",0.00,CNY"), sheet);
        given().auth().oauth2(t.viewer()).queryParam("currency", "CNY").queryParam("from", from).queryParam("to", to)
                .queryParam("format", "xlsx").get(statement).then().statusCode(400)
                .body("errors[0].field", equalTo("format"));

        // The tenant reads its notes (oldest first) and sees each in its audit trail; another tenant sees nothing.
        assertEquals(List.of(number + "-CN1", number + "-CN2"), given().auth().oauth2(t.viewer())
                .get("/api/v1/invoices/" + id + "/credit-notes").then().statusCode(200).extract().jsonPath()
                .getList("number"));
        assertEquals(List.of("createCreditNote", "createCreditNote"), given().auth().oauth2(t.admin())
                .get("/api/v1/tenants/" + t.id() + "/audit-events?action=createCreditNote").then().statusCode(200)
                .extract().jsonPath().getList("items.action"));
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.viewer()).get("/api/v1/invoices/" + id + "/credit-notes").then().statusCode(404)
                .body("code", equalTo("INVOICE_NOT_FOUND"));
        given().auth().oauth2(other.viewer()).get("/api/v1/credit-notes/" + noteId).then().statusCode(404)
                .body("code", equalTo("CREDIT_NOTE_NOT_FOUND"));

        // Across invoices: finance's month, and what is still on its way to Stripe.
        assertEquals(List.of(number + "-CN1", number + "-CN2"), given().auth().oauth2(Tokens.admin())
                .queryParam("tenantId", t.id()).get("/api/v1/credit-notes").then().statusCode(200).extract()
                .jsonPath().getList("items.number"));
        // The background worker (every 0.5 s) may hold a note's lease while this round runs (skip locked): the round
        // is asked again until both are pushed; a wait for the worker, not a timing check.
        List<Object> pushed = List.of();
        for (Instant deadline = Instant.now().plusSeconds(30); pushed.size() < 2 && Instant.now().isBefore(deadline); ) {
            if (!pushed.isEmpty()) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            }
            billing.roundNow();
            pushed = given().auth().oauth2(Tokens.admin()).queryParam("tenantId", t.id())
                    .queryParam("stripeState", "PUSHED").get("/api/v1/credit-notes").then().statusCode(200).extract()
                    .jsonPath().getList("items.number");
        }
        assertEquals(List.of(number + "-CN1", number + "-CN2"), pushed);
        assertEquals(List.of(), given().auth().oauth2(Tokens.admin()).queryParam("tenantId", t.id())
                .queryParam("stripeState", "FAILED").get("/api/v1/credit-notes").then().statusCode(200).extract()
                .jsonPath().getList("items"));
        assertEquals(List.of(number + "-CN1", number + "-CN2"), given().auth().oauth2(t.viewer())
                .queryParam("from", Instant.now().minusSeconds(3600).toString()).get("/api/v1/credit-notes").then()
                .statusCode(200).extract().jsonPath().getList("items.number"), "a tenant's own");
        assertEquals(List.of(), given().auth().oauth2(t.viewer()).queryParam("to", "2026-01-01T00:00:00Z")
                .get("/api/v1/credit-notes").then().statusCode(200).extract().jsonPath().getList("items"));
        assertEquals(List.of(), given().auth().oauth2(other.viewer()).get("/api/v1/credit-notes").then()
                .statusCode(200).extract().jsonPath().getList("items"), "another tenant's are not listed");
        given().auth().oauth2(other.viewer()).queryParam("tenantId", t.id()).get("/api/v1/credit-notes").then()
                .statusCode(404).body("code", equalTo("TENANT_NOT_FOUND"));
        given().auth().oauth2(Tokens.admin()).queryParam("stripeState", "STUCK").get("/api/v1/credit-notes").then()
                .statusCode(400).body("errors[0].field", equalTo("stripeState"));
        given().auth().oauth2(Tokens.admin()).queryParam("from", "2026-02-01T00:00:00Z")
                .queryParam("to", "2026-01-01T00:00:00Z").get("/api/v1/credit-notes").then().statusCode(400)
                .body("errors[0].field", equalTo("to"));

        // FOCUS: each note is a Credit of the month it was made in, correcting July's invoice; they sum to -total.
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        String csv = given().auth().oauth2(t.viewer()).queryParam("from", now.atDay(1) + "T00:00:00Z")
                .queryParam("to", now.plusMonths(1).atDay(1) + "T00:00:00Z").queryParam("format", "csv")
                .get("/api/v1/exports/focus").then().statusCode(200).extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        List<Map<String, String>> notes = rows.stream().filter(r -> "CREDIT_NOTE".equals(r.get("x_InvoiceLineKind")))
                .toList();
        assertEquals(2, notes.size(), csv);
        for (Map<String, String> r : notes) {
            assertEquals("Credit", r.get("ChargeCategory"));
            assertEquals("Correction", r.get("ChargeClass"));
            assertEquals("2023-07-01T00:00:00Z", r.get("ChargePeriodStart"));
            assertEquals(now.atDay(1) + "T00:00:00Z", r.get("BillingPeriodStart"));
            assertEquals(id, r.get("InvoiceId"));
        }
        assertEquals(0, notes.stream().map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO,
                BigDecimal::add).compareTo(BigDecimal.valueOf(-total, 2)));
    }

    static Response voidNote(String token, String note, String body) {
        var r = given().auth().oauth2(token);
        if (body != null) {
            r = r.contentType("application/json").body(body);
        }
        return r.post("/api/v1/credit-notes/" + note + "/void");
    }

    @Test
    void a_credit_note_on_an_invoice_still_owed_is_voided_whole_once_in_myriad_stripe_and_focus_and_no_other() {
        World.Tenant t = World.tenant();
        BillingTest.subscribe(t, "http://127.0.0.1:9/hook", "[\"invoice.credit_note_voided\"]");
        JsonPath issued = issued(t, "2022-08");
        String id = issued.getString("id");
        long total = issued.getLong("total.amountMinor");
        // A, made in Stripe; B, never sent there (its invoice's push looks unfinished, so the worker waits).
        String a = credit(Tokens.admin(), id, null, body(400, "CNY", "BILLING_ERROR", null)).then().statusCode(201)
                .extract().path("id");
        Instant deadline = Instant.now().plusSeconds(30);
        while (!"PUSHED".equals(stripeState(t, a)) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        assertEquals("PUSHED", stripeState(t, a));
        sqlRun("update stripe_pushes set state = 'PENDING', next_attempt_at = now() + interval '1 hour' "
                + "where invoice_id = $1", UUID.fromString(id));
        String b = credit(Tokens.admin(), id, null, body(200, "CNY", "GOODWILL", null)).then().statusCode(201)
                .extract().path("id");
        assertEquals(total - 600, invoice(t, id).getLong("amountDue.amountMinor"));

        // Only platform admins; an unknown note is 404; a memo too long is 400; nothing is voided by any of them.
        voidNote(t.admin(), a, null).then().statusCode(403).body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        voidNote(Tokens.admin(), UUID.randomUUID().toString(), null).then().statusCode(404)
                .body("code", equalTo("CREDIT_NOTE_NOT_FOUND"));
        voidNote(Tokens.admin(), a, "{\"memo\":\"" + "x".repeat(501) + "\"}").then().statusCode(400)
                .body("code", equalTo("VALIDATION_FAILED"));
        assertEquals(0, sql("select count(*) from credit_notes where invoice_id = $1 and voided_at is not null",
                UUID.fromString(id)));

        // B: voided before it reached Stripe, so never made there.
        voidNote(Tokens.admin(), b, null).then().statusCode(200).body("status", equalTo("VOID"))
                .body("stripeState", equalTo("SKIPPED")).body("stripeVoidState", org.hamcrest.Matchers.nullValue());
        sqlRun("update stripe_pushes set state = 'PUSHED' where invoice_id = $1", UUID.fromString(id));
        assertEquals(total - 400, invoice(t, id).getLong("amountDue.amountMinor"));
        // A: the invoice asks what it asked before either; sent twice, voided once.
        JsonPath voided = voidNote(Tokens.admin(), a, "{\"memo\":\"Made on the wrong invoice\"}").then()
                .statusCode(200).body("status", equalTo("VOID")).body("voidMemo", equalTo("Made on the wrong invoice"))
                .body("stripeVoidState", equalTo("PENDING")).extract().jsonPath();
        voidNote(Tokens.admin(), a, null).then().statusCode(200).body("voidedAt", equalTo(voided.getString("voidedAt")));
        JsonPath after = invoice(t, id);
        assertEquals("ISSUED", after.getString("state"));
        assertEquals(0, after.getLong("credited.amountMinor"));
        assertEquals(total, after.getLong("amountDue.amountMinor"));
        assertEquals(total, receivable(t), "owed again in the ledger");
        assertEquals(2, sql("select count(*) from ledger_transactions where kind = 'CREDIT_NOTE_VOIDED' "
                + "and invoice_id = $1", UUID.fromString(id)), "one reversal each");
        assertEquals(0, sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions x "
                + "on x.id = e.transaction_id where x.kind in ('CREDIT_NOTE', 'CREDIT_NOTE_VOIDED') "
                + "and x.invoice_id = $1 and e.account = 'MARKETPLACE_REVENUE'", UUID.fromString(id)));
        assertEquals(2, events(t, "invoice.credit_note_voided"));
        assertEquals(java.util.Set.of(a, b), java.util.Set.copyOf(given().auth().oauth2(Tokens.admin())
                .queryParam("tenantId", t.id()).queryParam("status", "VOID").get("/api/v1/credit-notes").then()
                .statusCode(200).extract().jsonPath().getList("items.id")));
        assertEquals(List.of(), given().auth().oauth2(t.viewer()).queryParam("status", "ISSUED")
                .get("/api/v1/credit-notes").then().statusCode(200).extract().jsonPath().getList("items"));
        given().auth().oauth2(t.viewer()).queryParam("status", "VOIDED").get("/api/v1/credit-notes").then()
                .statusCode(400).body("errors[0].field", equalTo("status"));
        assertEquals(2, sql("select count(*) from audit_events where action = 'voidCreditNote' and tenant_id = $1",
                UUID.fromString(t.id())));
        // Stripe: A voided there once, however often the worker runs; nothing of B ever reached it.
        deadline = Instant.now().plusSeconds(30);
        while (!"VOIDED".equals(given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + a).then()
                .extract().path("stripeVoidState")) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        billing.roundNow();
        String stripeNote = "cn_myriad-credit-note-" + a;
        List<LoggedRequest> voids = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/credit_notes/"
                + stripeNote + "/void")));
        assertEquals(1, voids.size());
        assertEquals("myriad-credit-note-void-" + a, voids.get(0).getHeader("Idempotency-Key"));
        assertEquals(1, stripeCreditNotes(issued.getString("stripeInvoiceId")).size(), "only A was made in Stripe");
        String printable = given().auth().oauth2(t.viewer()).accept("text/html").get("/api/v1/credit-notes/" + a)
                .then().statusCode(200).extract().asString();
        assertTrue(printable.contains("(VOID)") && printable.contains("Made on the wrong invoice"), printable);

        // FOCUS: each note's Credit row and its void's reversing row, in this month: together nothing.
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        String csv = given().auth().oauth2(t.viewer()).queryParam("from", now.atDay(1) + "T00:00:00Z")
                .queryParam("to", now.plusMonths(1).atDay(1) + "T00:00:00Z").queryParam("format", "csv")
                .get("/api/v1/exports/focus").then().statusCode(200).extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        List<Map<String, String>> voidRows = rows.stream()
                .filter(r -> "CREDIT_NOTE_VOID".equals(r.get("x_InvoiceLineKind"))).toList();
        assertEquals(2, voidRows.size(), csv);
        assertEquals(0, rows.stream().filter(r -> r.get("x_InvoiceLineKind").startsWith("CREDIT_NOTE"))
                .map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add)
                .compareTo(BigDecimal.ZERO), csv);
        assertEquals("Correction", voidRows.get(0).get("ChargeClass"));
        assertEquals(id, voidRows.get(0).get("InvoiceId"));

        // Once the invoice is paid a note on it is not voided: paid in Stripe (what it asks), then credited.
        String c = credit(Tokens.admin(), id, null, body(100, "CNY", "GOODWILL", null)).then().statusCode(201)
                .extract().path("id");
        paidInStripe(issued.getString("stripeInvoiceId"), id, total - 100).then().statusCode(200);
        assertEquals("PAID", invoice(t, id).getString("state"));
        voidNote(Tokens.admin(), c, null).then().statusCode(409).body("code", equalTo("CREDIT_NOTE_NOT_VOIDABLE"));
        String wallet = credit(Tokens.admin(), id, null, body(50, "CNY", "GOODWILL", null)).then().statusCode(201)
                .body("appliedTo", equalTo("PREPAID_WALLET")).extract().path("id");
        voidNote(Tokens.admin(), wallet, null).then().statusCode(409).body("code", equalTo("CREDIT_NOTE_NOT_VOIDABLE"))
                .body("detail", org.hamcrest.Matchers.containsString("prepaid wallet"));
        assertEquals(50, wallet(t), "the wallet keeps the credit");
        // Another tenant never sees it, let alone voids it.
        World.Tenant other = World.tenant();
        given().auth().oauth2(other.viewer()).get("/api/v1/credit-notes/" + a).then().statusCode(404);
    }

    /** Stripe's invoice.paid for the invoice, saying what it collected ({@code amount_paid}). */
    static Response paidInStripe(String stripeInvoice, String invoiceId, long collected) {
        com.fasterxml.jackson.databind.node.ObjectNode object = StripeStubs.object("invoice");
        object.put("id", stripeInvoice);
        object.put("amount_paid", collected);
        object.putObject("metadata").put("myriad_invoice_id", invoiceId);
        return BillingTest.signed(StripeStubs.event("evt_" + UUID.randomUUID(), "invoice.paid", object));
    }

    static String stripeState(World.Tenant t, String note) {
        return given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + note).then().statusCode(200).extract()
                .path("stripeState");
    }

    long clearing(String invoiceId) {
        return sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions x on x.id = e.transaction_id "
                + "where x.kind = 'PAYMENT' and x.invoice_id = $1 and e.account = 'STRIPE_CLEARING'",
                UUID.fromString(invoiceId));
    }

    long wallet(World.Tenant t) {
        return BillingTest.balance(t).getLong("balances.find { it.currency == 'CNY' }.prepaidCredit.amountMinor");
    }

    @Test
    void a_paid_invoice_is_credited_to_the_wallet_and_a_payment_after_a_credit_collects_only_what_is_left() {
        // Stripe has the credit note before it collects: it collects what is left, and that is what is posted.
        World.Tenant first = World.tenant();
        JsonPath before = issued(first, "2022-11");
        String beforeId = before.getString("id");
        String beforeStripe = before.getString("stripeInvoiceId");
        long beforeTotal = before.getLong("total.amountMinor");
        credit(Tokens.admin(), beforeId, null, body(200, "CNY", "DUPLICATE", null)).then().statusCode(201)
                .body("appliedTo", equalTo("AMOUNT_DUE"));
        untilTrue(() -> !stripeCreditNotes(beforeStripe).isEmpty());
        String open = stripeCreditNotes(beforeStripe).get(0).getBodyAsString();
        assertFalse(open.contains("out_of_band_amount"), "an open Stripe invoice asks 200 less: " + open);
        paidInStripe(beforeStripe, beforeId, beforeTotal - 200).then().statusCode(200).body("outcome", equalTo("PAID"));
        assertEquals(beforeTotal - 200, clearing(beforeId));
        assertEquals(0, receivable(first));
        assertEquals(0, wallet(first));
        assertEquals(0, sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions x "
                + "on x.id = e.transaction_id where x.invoice_id = $1 and e.account = 'TENANT_RECEIVABLE'",
                UUID.fromString(beforeId)), "the invoice's receivable is settled to the minor unit");

        // Stripe collects the whole before the note reaches it: the 200 collected above what was owed goes to the
        // wallet, and the note is then made in Stripe as credited outside it.
        World.Tenant t = World.tenant();
        JsonPath issued = issued(t, "2023-10");
        String id = issued.getString("id");
        String stripeInvoice = issued.getString("stripeInvoiceId");
        long total = issued.getLong("total.amountMinor");
        // Stripe's invoice is paid: Stripe refuses a note that would lower what it asks (the worker, every half
        // second here, may try before the payment's webhook arrives), and takes one credited out of band.
        var paidInvoice = refuseCreditNotes(stripeInvoice, 400, "invalid_request_error",
                "The invoice is paid: give refund_amount, credit_amount or out_of_band_amount.", true);
        String late;
        try {
            String note = credit(Tokens.admin(), id, null, body(200, "CNY", "DUPLICATE", null)).then().statusCode(201)
                    .body("appliedTo", equalTo("AMOUNT_DUE")).extract().path("id");
            paidInStripe(stripeInvoice, id, total).then().statusCode(200).body("outcome", equalTo("PAID"));
            assertEquals(total, clearing(id), "what Stripe collected");
            assertEquals(0, receivable(t));
            assertEquals(200, wallet(t), "the credit is kept");
            Instant deadline = Instant.now().plusSeconds(30);
            while (!"PUSHED".equals(stripeState(t, note)) && Instant.now().isBefore(deadline)) {
                billing.roundNow();
            }
            assertEquals("PUSHED", stripeState(t, note));
            late = stripeCreditNotes(stripeInvoice).stream().map(LoggedRequest::getBodyAsString)
                    .filter(b -> b.contains("out_of_band_amount")).findFirst().orElseThrow();
        } finally {
            StripeStubs.server().removeStub(paidInvoice);
        }
        assertTrue(late.contains("out_of_band_amount=200") && late.contains("amount=200"), late);
        assertTrue(stripeCreditNotes(stripeInvoice).stream().filter(r -> r.getBodyAsString().contains("out_of_band"))
                .allMatch(r -> r.getHeader("Idempotency-Key").endsWith("-out-of-band")),
                "the out-of-band form has a key of its own: Stripe refuses one key with other parameters");

        // Paid: a credit goes to the prepaid wallet, recorded in Stripe as credited outside it (out of band).
        credit(Tokens.admin(), id, null, body(500, "CNY", "GOODWILL", "Sorry for the queue")).then().statusCode(201)
                .body("appliedTo", equalTo("PREPAID_WALLET"));
        assertEquals(700, wallet(t));
        assertEquals(0, receivable(t));
        JsonPath paid = invoice(t, id);
        assertEquals("PAID", paid.getString("state"));
        assertEquals(700, paid.getLong("credited.amountMinor"));
        assertEquals(0, paid.getLong("amountDue.amountMinor"));
        untilTrue(() -> stripeCreditNotes(stripeInvoice).stream().anyMatch(r -> r.getBodyAsString()
                .contains("amount=500")));
        List<LoggedRequest> inStripe = stripeCreditNotes(stripeInvoice);
        String wallet = inStripe.stream().map(LoggedRequest::getBodyAsString).filter(b -> b.contains("amount=500"))
                .findFirst().orElseThrow();
        assertTrue(wallet.contains("out_of_band_amount=500"), wallet);
        assertFalse(wallet.contains("reason="), "Stripe has no reason for goodwill: " + wallet);
        // Never above what was billed less what was credited: 700 credited, total - 700 left.
        credit(Tokens.admin(), id, null, body(total - 699, "CNY", "GOODWILL", null)).then().statusCode(409)
                .body("code", equalTo("CREDIT_NOTE_EXCEEDS_INVOICE"));
        // Two at once, each more than half of what is left: the invoice is locked, so one is made and one refused.
        long half = (total - 700) / 2 + 1;
        List<java.util.concurrent.CompletableFuture<Integer>> both = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            both.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> credit(Tokens.admin(), id, null,
                    body(half, "CNY", "BILLING_ERROR", null)).statusCode()));
        }
        List<Integer> codes = both.stream().map(java.util.concurrent.CompletableFuture::join).sorted().toList();
        assertEquals(List.of(201, 409), codes);
        assertEquals(700 + half, invoice(t, id).getLong("credited.amountMinor"));
        assertEquals(700 + half, wallet(t));
    }

    /**
     * Runs the billing worker until {@code done} (30 s at most): the background worker (every half second in the tests)
     * may have leased what a single round would have done, and finish it a moment later.
     */
    private void untilTrue(java.util.function.BooleanSupplier done) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!done.getAsBoolean() && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        assertTrue(done.getAsBoolean(), "not done within 30 s");
    }

    /** Runs the billing worker until the credit note's row meets the condition (30 s at most), and checks it. */
    private void untilNote(String note, String condition) {
        String count = "select count(*) from credit_notes where id = $1 and " + condition;
        Instant deadline = Instant.now().plusSeconds(30);
        while (sql(count, UUID.fromString(note)) == 0 && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        assertEquals(1, sql(count, UUID.fromString(note)), condition);
    }

    void sqlRun(String query, Object... args) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely();
    }

    @Test
    void a_note_stripe_refuses_is_retried_then_failed_a_lost_answer_is_found_and_a_note_not_for_stripe_is_skipped() {
        World.Tenant t = World.tenant();
        JsonPath issued = issued(t, "2023-02");
        String id = issued.getString("id");
        String stripeInvoice = issued.getString("stripeInvoiceId");
        var refused = refuseCreditNotes(stripeInvoice, 400, "invalid_request_error",
                "The credit note amount is invalid.", false);
        try {
            String note = credit(Tokens.admin(), id, null, body(100, "CNY", "BILLING_ERROR", null)).then()
                    .statusCode(201).extract().path("id");
            // The background worker (every half second here) may take the attempt before this round does: wait for it.
            untilNote(note, "stripe_attempts >= 1");
            JsonPath once = given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + note).then()
                    .statusCode(200).extract().jsonPath();
            assertEquals("PENDING", once.getString("stripeState"), "retried after a backoff");
            assertTrue(once.getString("stripeNote").contains("The credit note amount is invalid."),
                    once.getString("stripeNote"));
            // The twelfth refusal: left for an admin, listed where finance looks for them.
            // (An attempt of the background worker under way as this is set writes its own count after it: set again.)
            for (int i = 0; i < 5 && sql("select count(*) from credit_notes where id = $1 and stripe_state = 'FAILED'",
                    UUID.fromString(note)) == 0; i++) {
                sqlRun("update credit_notes set stripe_attempts = 11, stripe_next_attempt_at = now() where id = $1 "
                        + "and stripe_state = 'PENDING'", UUID.fromString(note));
                billing.roundNow();
            }
            untilNote(note, "stripe_state = 'FAILED'");
            assertEquals(12, sql("select stripe_attempts from credit_notes where id = $1", UUID.fromString(note)));
            assertEquals(List.of(note), given().auth().oauth2(Tokens.admin()).queryParam("tenantId", t.id())
                    .queryParam("stripeState", "FAILED").get("/api/v1/credit-notes").then().statusCode(200)
                    .extract().jsonPath().getList("items.id"));
            // Myriad's books do not wait for Stripe: the invoice owes 100 less all along.
            assertEquals(issued.getLong("total.amountMinor") - 100, invoice(t, id).getLong("amountDue.amountMinor"));
        } finally {
            StripeStubs.server().removeStub(refused);
        }

        // Stripe makes a note but its answer is lost (a 500 here): the retry finds it among the invoice's credit notes
        // by its metadata and takes it; no second one is made, whatever Stripe's idempotency keys still remember.
        var lost = refuseCreditNotes(stripeInvoice, 500, "api_error", "An unknown error occurred.", false);
        // The list answers the note only once it exists; the failing create stays until the list is in place, so a
        // retry by the background worker (every half second here) can only fail again or find it.
        String lostNote = credit(Tokens.admin(), id, null, body(10, "CNY", "BILLING_ERROR", null)).then()
                .statusCode(201).extract().path("id");
        Instant deadline = Instant.now().plusSeconds(30);
        while (sql("select stripe_attempts from credit_notes where id = $1", UUID.fromString(lostNote)) == 0
                && Instant.now().isBefore(deadline)) {
            billing.roundNow();
        }
        assertEquals("PENDING", stripeState(t, lostNote));
        com.fasterxml.jackson.databind.node.ObjectNode inStripe = StripeStubs.object("credit_note");
        inStripe.put("id", "cn_found_" + lostNote.substring(0, 8));
        inStripe.put("invoice", stripeInvoice);
        inStripe.putObject("metadata").put("myriad_credit_note_id", lostNote);
        var listed = StripeStubs.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock
                .get(urlPathEqualTo("/v1/credit_notes"))
                .withQueryParam("invoice", com.github.tomakehurst.wiremock.client.WireMock.equalTo(stripeInvoice))
                .atPriority(1).willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withHeader("Content-Type", "application/json").withBody("{\"object\":\"list\",\"url\":"
                                + "\"/v1/credit_notes\",\"has_more\":false,\"data\":[" + inStripe + "]}")));
        StripeStubs.server().removeStub(lost);
        int posts;
        try {
            posts = stripeCreditNotes(stripeInvoice).size();
            deadline = Instant.now().plusSeconds(30);
            while (!"PUSHED".equals(stripeState(t, lostNote)) && Instant.now().isBefore(deadline)) {
                billing.roundNow();
            }
        } finally {
            StripeStubs.server().removeStub(listed);
        }
        assertEquals("cn_found_" + lostNote.substring(0, 8), given().auth().oauth2(t.viewer())
                .get("/api/v1/credit-notes/" + lostNote).then().statusCode(200).extract().path("stripeCreditNoteId"));
        assertEquals(posts, stripeCreditNotes(stripeInvoice).size(), "no second create");

        // The first note never reached Stripe, which still asks all but the found note's 10: the tenant pays now and
        // Stripe collects that. What Stripe collected is in the books, and the 100 above what was owed in the wallet.
        long total = issued.getLong("total.amountMinor");
        com.fasterxml.jackson.databind.node.ObjectNode paidThere = StripeStubs.object("invoice");
        paidThere.put("id", stripeInvoice);
        paidThere.put("status", "paid");
        paidThere.put("amount_paid", total - 10);
        var pay = StripeStubs.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock
                .post(urlPathEqualTo("/v1/invoices/" + stripeInvoice + "/pay")).atPriority(1)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
                        .withHeader("Content-Type", "application/json").withBody(paidThere.toString())));
        try {
            given().auth().oauth2(t.admin()).post("/api/v1/invoices/" + id + "/pay").then().statusCode(200)
                    .body("state", equalTo("PAID"));
        } finally {
            StripeStubs.server().removeStub(pay);
        }
        assertEquals(total - 10, clearing(id));
        assertEquals(0, receivable(t));
        assertEquals(100, wallet(t), "the note Stripe never had");

        // An invoice that is not in Stripe (its push skipped): the note stays in Myriad, saying why.
        sqlRun("update stripe_pushes set state = 'SKIPPED' where invoice_id = $1", UUID.fromString(id));
        String skipped = credit(Tokens.admin(), id, null, body(50, "CNY", "GOODWILL", null)).then().statusCode(201)
                .extract().path("id");
        untilNote(skipped, "stripe_state = 'SKIPPED'");
        JsonPath j = given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + skipped).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("SKIPPED", j.getString("stripeState"));
        assertTrue(j.getString("stripeNote").contains("SKIPPED"), j.getString("stripeNote"));
        assertEquals(posts, stripeCreditNotes(stripeInvoice).size(), "nothing of the skipped note reached Stripe");
    }
}
