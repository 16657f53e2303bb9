package city.myriad.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Tax on invoices (docs/billing.md, "Tax") through the HTTP API, the real database, the ledger and the real
 * stripe-java client against WireMock: a tenant's rate from its payment terms is one TAX line on its draft and its
 * invoice, owed to the tax authority (never the operator's, never the marketplace's fee), paid by prepaid credit as
 * money is, pushed to Stripe and exported to FOCUS as a Tax charge; a credit note and its void take back and restore
 * its share of the tax. Months of their own (2022-03 to 2022-06).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
@QuarkusTestResource(StripeStubs.class)
class InvoiceTaxTest {

    @Inject
    MeteringWorker meter;

    @Inject
    BillingWorker billing;

    @Inject
    Pool pool;

    /** One run of 3 h on 4 cards at the on-demand price: 1,200 x 4 x 3 = 14,400 fen. */
    static final long CHARGE = BillingTest.ON_DEMAND * 4 * 3;

    void ran(World.Tenant t, String period) {
        String cluster = World.cluster(1);
        Instant start = Instant.parse(period + "-05T10:00:00Z");
        History.ran(pool, t.id(), t.projectId(), cluster, BillingTest.slug(cluster) + "-n1", 4, start,
                start.plusSeconds(3 * 3600), BillingTest.ON_DEMAND);
    }

    static io.restassured.response.Response terms(String token, World.Tenant t, String body) {
        return given().auth().oauth2(token).contentType("application/json").body(body)
                .put("/api/v1/tenants/" + t.id() + "/payment-terms");
    }

    static JsonPath invoiceOf(World.Tenant t, String period) {
        List<Map<String, Object>> items = given().auth().oauth2(t.viewer()).queryParam("period", period)
                .get("/api/v1/invoices").then().statusCode(200).extract().jsonPath().getList("items");
        assertEquals(1, items.size(), items.toString());
        return given().auth().oauth2(t.viewer()).get("/api/v1/invoices/" + items.get(0).get("id")).then()
                .statusCode(200).extract().jsonPath();
    }

    long sql(String query, Object... args) {
        Row r = pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery(query).execute(Tuple.from(args)))).await().indefinitely().iterator().next();
        return r.getValue(0) == null ? 0 : r.getLong(0);
    }

    /** The sum of one account's entries over every ledger transaction of the invoice. */
    long account(String invoiceId, String account) {
        return sql("select sum(e.amount_minor) from ledger_entries e join ledger_transactions x on x.id = "
                + "e.transaction_id where x.invoice_id = $1 and e.account = $2", UUID.fromString(invoiceId), account);
    }

    @Test
    void the_tenants_rate_is_a_tax_line_owed_to_the_tax_authority_and_a_credit_note_takes_back_its_share() {
        World.Tenant t = World.tenant();
        World.Tenant prepaid = World.tenant();
        for (World.Tenant x : List.of(t, prepaid)) {
            terms(Tokens.admin(), x, "{\"collectionMethod\":\"CHARGE_AUTOMATICALLY\",\"daysUntilDue\":14,"
                    + "\"taxRatePercent\":6,\"taxName\":\"VAT\"}").then().statusCode(200)
                    .body("taxRatePercent", equalTo(6)).body("taxName", equalTo("VAT"))
                    .body("taxSource", equalTo("TENANT"));
        }
        JsonPath audited = given().auth().oauth2(t.admin()).queryParam("action", "setPaymentTerms")
                .get("/api/v1/tenants/" + t.id() + "/audit-events").then().statusCode(200).extract().jsonPath();
        assertEquals(6, audited.getInt("items[0].details.taxRatePercent"));
        assertEquals("VAT", audited.getString("items[0].details.taxName"));
        given().auth().oauth2(Tokens.admin()).contentType("application/json").header("Idempotency-Key",
                        "tax-" + prepaid.id()).body("{\"amount\":{\"amountMinor\":10000,\"currency\":\"CNY\"},"
                        + "\"reason\":\"welcome\"}")
                .post("/api/v1/tenants/" + prepaid.id() + "/credits").then().statusCode(201);
        BillingTest.subscribe(t, "http://127.0.0.1:9/hook", "[\"invoice.issued\"]");
        ran(t, "2022-05");
        ran(prepaid, "2022-05");
        meter.drain();

        long tax = 864; // 6% of 14,400, exact
        JsonPath draft = invoiceOf(t, "2022-05");
        assertEquals("DRAFT", draft.getString("state"));
        assertEquals(List.of("USAGE", "TAX"), draft.getList("lines.kind"), "the draft shows its tax as it will be");
        assertEquals(tax, draft.getLong("tax.amountMinor"));

        // The report's window opens here, after the documents of any test before (the app's clock is this JVM's).
        Instant before = Instant.now();
        Periods.close("2022-05");
        JsonPath invoice = invoiceOf(t, "2022-05");
        String id = invoice.getString("id");
        assertEquals(List.of("USAGE", "TAX"), invoice.getList("lines.kind"));
        assertEquals(CHARGE, invoice.getLong("subtotal.amountMinor"), "the subtotal is before tax");
        assertEquals(tax, invoice.getLong("tax.amountMinor"));
        assertEquals(tax, invoice.getLong("lines[1].amount.amountMinor"));
        assertEquals("VAT at 6%", invoice.getString("lines[1].description"));
        assertEquals(6, invoice.getInt("lines[1].taxRatePercent"));
        assertEquals("VAT", invoice.getString("lines[1].taxName"));
        assertEquals(CHARGE + tax, invoice.getLong("total.amountMinor"));
        assertEquals(CHARGE + tax, invoice.getLong("amountDue.amountMinor"));
        // Who sells, as the tax invoice must say (the test profile's seller), kept on the invoice at its issue.
        assertEquals(Map.of("name", "Myriad", "address", "1 Test Street, Hangzhou, CN", "taxId",
                "TEST-SELLER-TAX-ID"), invoice.getMap("seller"));
        assertEquals("Myriad", draft.getString("seller.name"), "a draft names the seller of now");

        // Its invoice.issued event carries the subtotal and the tax beside the total.
        assertEquals(List.of(CHARGE, tax, CHARGE + tax), List.of("subtotal", "tax", "total").stream()
                .map(f -> sql("select (payload::jsonb #>> '{data," + f + ",amountMinor}')::bigint from "
                        + "webhook_deliveries where tenant_id = $1 and event_type = 'invoice.issued'",
                        UUID.fromString(t.id()))).toList());

        // The ledger: the tenant owes the total; tax is owed to the tax authority; operator and fee share the rest.
        assertEquals(CHARGE + tax, account(id, "TENANT_RECEIVABLE"));
        assertEquals(-tax, account(id, "TAX_PAYABLE"));
        assertEquals(-CHARGE, account(id, "OPERATOR_PAYABLE") + account(id, "MARKETPLACE_REVENUE"));
        assertEquals(-CHARGE / 10, account(id, "MARKETPLACE_REVENUE"), "the fee is 10% of the revenue, not of tax");

        // Prepaid credit pays tax as money does: the wallet takes 10,000 of the 15,264.
        JsonPath paid = invoiceOf(prepaid, "2022-05");
        assertEquals(List.of("USAGE", "TAX", "PREPAID_CREDIT"), paid.getList("lines.kind"));
        assertEquals(-10000, paid.getLong("lines[2].amount.amountMinor"));
        assertEquals(CHARGE + tax - 10000, paid.getLong("total.amountMinor"));
        assertEquals(-tax, account(paid.getString("id"), "TAX_PAYABLE"));

        // Stripe gets the tax as an item of its own, with the line's description.
        Instant deadline = Instant.now().plusSeconds(30);
        while (!"PUSHED".equals(invoice.getString("stripeState")) && Instant.now().isBefore(deadline)) {
            billing.roundNow();
            invoice = CreditNoteTest.invoice(t, id);
        }
        assertEquals("PUSHED", invoice.getString("stripeState"));
        List<LoggedRequest> items = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))
                .withRequestBody(containing(id)));
        assertEquals(1, items.stream().filter(r -> r.getBodyAsString().contains("amount=" + tax)
                && r.getBodyAsString().contains("VAT+at+6%25")).count(), "one tax item: " + items.size());

        // FOCUS: the TAX line is a Tax charge of the invoice, no SKU or price; the export stays valid FOCUS.
        String csv = given().auth().oauth2(t.viewer()).queryParam("from", "2022-05-01T00:00:00Z")
                .queryParam("to", "2022-06-01T00:00:00Z").queryParam("format", "csv").get("/api/v1/exports/focus")
                .then().statusCode(200).extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        List<Map<String, String>> taxRows = rows.stream().filter(r -> "Tax".equals(r.get("ChargeCategory"))).toList();
        assertEquals(1, taxRows.size(), csv);
        assertEquals("8.64", taxRows.get(0).get("BilledCost"));
        assertEquals(id, taxRows.get(0).get("InvoiceId"));
        assertEquals(null, taxRows.get(0).get("SkuId"), "a Tax charge has no SKU");
        assertEquals(null, taxRows.get(0).get("PricingQuantity"));
        assertEquals(0, rows.stream().filter(r -> id.equals(r.get("InvoiceId"))).map(r -> new BigDecimal(
                r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add).compareTo(BigDecimal.valueOf(CHARGE + tax,
                2)), "the invoice's rows, tax included, sum to its total");

        // The HTML invoice prints it.
        String html = given().auth().oauth2(t.viewer()).accept("text/html").get("/api/v1/invoices/" + id).then()
                .statusCode(200).extract().asString();
        assertTrue(html.contains("VAT at 6%") && html.contains("<td>Tax</td>"), html);
        assertTrue(html.contains("<dt>Issued by</dt><dd class=\"seller\">Myriad<br>1 Test Street, Hangzhou, CN<br>"
                + "Tax ID TEST-SELLER-TAX-ID</dd>"), html);

        // A credit note of a third of the total takes back a third of the tax; its void puts it back.
        String note = CreditNoteTest.credit(Tokens.admin(), id, "tax-note-" + id,
                        CreditNoteTest.body((CHARGE + tax) / 3, "CNY", "GOODWILL", null)).then().statusCode(201)
                .extract().path("id");
        assertEquals(-tax + tax / 3, account(id, "TAX_PAYABLE"), "288 of the 864 taken back");
        given().auth().oauth2(t.viewer()).get("/api/v1/credit-notes/" + note).then().statusCode(200)
                .body("amount.amountMinor", equalTo((int) ((CHARGE + tax) / 3)))
                .body("tax.amountMinor", equalTo((int) (tax / 3)));
        String noteHtml = given().auth().oauth2(t.viewer()).accept("text/html").get("/api/v1/credit-notes/" + note)
                .then().statusCode(200).extract().asString();
        assertTrue(noteHtml.contains("<td>Of which tax</td><td class=\"n\">-2.88</td>"), noteHtml);
        assertTrue(noteHtml.contains("<dt>Issued by</dt><dd class=\"seller\">Myriad<br>"), noteHtml);
        assertEquals(-CHARGE / 10 + CHARGE / 3, account(id, "MARKETPLACE_REVENUE"),
                "the marketplace bears the rest of the note (operators keep their share)");
        CreditNoteTest.voidNote(Tokens.admin(), note, null).then().statusCode(200);
        assertEquals(-tax, account(id, "TAX_PAYABLE"));
        assertEquals(-CHARGE / 10, account(id, "MARKETPLACE_REVENUE"));
        // FOCUS of this month: the note is a Credit of the rest and a Tax correction of its share; its void the
        // opposite, so both sum to nothing.
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        String month = given().auth().oauth2(t.viewer()).queryParam("from", now.atDay(1) + "T00:00:00Z")
                .queryParam("to", now.plusMonths(1).atDay(1) + "T00:00:00Z").queryParam("format", "csv")
                .get("/api/v1/exports/focus").then().statusCode(200).extract().asString();
        List<String> monthHeader = new ArrayList<>();
        List<Map<String, String>> monthRows = FocusValidator.Csv.rows(month, monthHeader);
        assertEquals(List.of(), new FocusValidator().validate(monthHeader, monthRows));
        Map<String, BigDecimal> byKind = new java.util.TreeMap<>();
        for (Map<String, String> r : monthRows) {
            if (r.get("x_InvoiceLineKind") != null && r.get("x_InvoiceLineKind").startsWith("CREDIT_NOTE")) {
                byKind.put(r.get("x_InvoiceLineKind") + " " + r.get("ChargeCategory"),
                        new BigDecimal(r.get("BilledCost")).stripTrailingZeros());
            }
        }
        assertEquals(Map.of("CREDIT_NOTE Credit", new BigDecimal("-48"), "CREDIT_NOTE_TAX Tax",
                new BigDecimal("-2.88"), "CREDIT_NOTE_VOID Credit", new BigDecimal("48"),
                "CREDIT_NOTE_VOID_TAX Tax", new BigDecimal("2.88")), byKind);

        // Paid in Stripe, then a refund of 1,526 takes back its share: 1,526 x 864 / 15,264 = 86.38, so 86.
        String stripeId = CreditNoteTest.invoice(t, id).getString("stripeInvoiceId");
        com.fasterxml.jackson.databind.node.ObjectNode paidInvoice = StripeStubs.object("invoice");
        paidInvoice.put("id", stripeId);
        paidInvoice.put("amount_paid", CHARGE + tax);
        paidInvoice.putObject("metadata").put("myriad_invoice_id", id);
        BillingTest.signed(StripeStubs.event("evt_" + UUID.randomUUID(), "invoice.paid", paidInvoice)).then()
                .statusCode(200).body("outcome", equalTo("PAID"));
        com.fasterxml.jackson.databind.node.ObjectNode charge = StripeStubs.object("charge");
        charge.put("id", "ch_" + UUID.randomUUID());
        charge.put("invoice", stripeId);
        charge.put("amount_refunded", 1526);
        BillingTest.signed(StripeStubs.event("evt_" + UUID.randomUUID(), "charge.refunded", charge)).then()
                .statusCode(200).body("outcome", equalTo("REFUNDED"));
        assertEquals(-tax + 86, account(id, "TAX_PAYABLE"));
        assertEquals(-CHARGE / 10 + 1526 - 86, account(id, "MARKETPLACE_REVENUE"));

        // A write-off takes back the tax share of what was still owed: 5,264 x 864 / 15,264 = 297.97, so 298.
        given().auth().oauth2(Tokens.admin()).post("/api/v1/invoices/" + paid.getString("id")
                + "/mark-uncollectible").then().statusCode(200).body("state", equalTo("UNCOLLECTIBLE"));
        assertEquals(-tax + 298, account(paid.getString("id"), "TAX_PAYABLE"));

        // The tax report of the window these documents are dated in (taxed invoices are this test's alone: the
        // platform's rate is 0 in tests): both invoices at 6%, every document that moved tax, and the net owed.
        JsonPath report = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("from", before.toString()).queryParam("to", Instant.now().plusSeconds(1).toString())
                .get("/api/v1/billing/tax-report").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(Map.of("taxName", "VAT", "ratePercent", 6, "invoices", 2,
                "taxable", Map.of("amountMinor", (int) (2 * CHARGE), "currency", "CNY"),
                "tax", Map.of("amountMinor", (int) (2 * tax), "currency", "CNY"))), report.getList("rates"));
        Map<String, Integer> moved = new java.util.TreeMap<>();
        report.getList("movements", Map.class).forEach(m -> moved.put(m.get("kind") + " x" + m.get("documents"),
                (Integer) ((Map<?, ?>) m.get("tax")).get("amountMinor")));
        assertEquals(Map.of("CREDIT_NOTE x1", -288, "CREDIT_NOTE_VOIDED x1", 288, "INVOICE_ISSUED x2", (int) (2 * tax),
                "INVOICE_UNCOLLECTIBLE x1", -298, "REFUND x1", -86), moved);
        assertEquals(2 * tax - 86 - 298, report.getLong("taxPayable.amountMinor"));
        String reportCsv = given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY")
                .queryParam("from", report.getString("from")).queryParam("to", report.getString("to"))
                .queryParam("format", "csv").get("/api/v1/billing/tax-report").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/csv")).extract().asString();
        String window = report.getString("from") + "," + report.getString("to") + ",CNY,";
        assertEquals(String.join("\n", "from,to,currency,row,kind,tax_name,rate_percent,count,taxable,tax",
                window + "RATE,,VAT,6,2,288.00,17.28",
                window + "MOVEMENT,CREDIT_NOTE,,,1,,-2.88",
                window + "MOVEMENT,CREDIT_NOTE_VOIDED,,,1,,2.88",
                window + "MOVEMENT,INVOICE_ISSUED,,,2,,17.28",
                window + "MOVEMENT,INVOICE_UNCOLLECTIBLE,,,1,,-2.98",
                window + "MOVEMENT,REFUND,,,1,,-0.86",
                window + "PAYABLE,,,,,,13.44") + "\n", reportCsv);
        given().auth().oauth2(t.admin()).queryParam("currency", "CNY").queryParam("from", before.toString())
                .queryParam("to", Instant.now().toString()).get("/api/v1/billing/tax-report").then().statusCode(403)
                .body("code", equalTo("PLATFORM_ADMIN_REQUIRED"));
        given().auth().oauth2(Tokens.admin()).queryParam("currency", "cny").queryParam("from", before.toString())
                .queryParam("to", Instant.now().toString()).get("/api/v1/billing/tax-report").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("currency"));
        given().auth().oauth2(Tokens.admin()).queryParam("currency", "CNY").queryParam("from", before.toString())
                .queryParam("to", before.toString()).get("/api/v1/billing/tax-report").then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
    }

    @Test
    void a_refund_above_a_months_charges_refunds_its_tax_with_it() {
        World.Tenant t = World.tenant();
        terms(Tokens.admin(), t, "{\"collectionMethod\":\"CHARGE_AUTOMATICALLY\",\"daysUntilDue\":14,"
                + "\"taxRatePercent\":6}").then().statusCode(200).body("taxName", equalTo("VAT"));
        // A reservation of 10,000 bought in March, cancelled in April for a fee of 1,000.
        History.reserved(pool, t.id(), t.projectId(), World.cluster(1), 4, Instant.parse("2022-03-20T00:00:00Z"),
                Instant.parse("2022-04-20T00:00:00Z"), 10000, Instant.parse("2022-03-10T00:00:00Z"),
                Instant.parse("2022-04-02T00:00:00Z"), 1000L);
        Periods.close("2022-03");
        JsonPath march = invoiceOf(t, "2022-03");
        assertEquals(List.of("RESERVATION", "TAX"), march.getList("lines.kind"));
        assertEquals(10600, march.getLong("total.amountMinor"));

        // April gives back 9,000 and the 540 of tax charged on it: both carried to the wallet, nothing owed.
        Periods.close("2022-04");
        JsonPath april = invoiceOf(t, "2022-04");
        assertEquals(List.of("RESERVATION_CANCELLATION", "TAX", "CREDIT_CARRIED"), april.getList("lines.kind"));
        assertEquals(List.of(-9000, -540, 9540), april.getList("lines.amount.amountMinor"));
        assertEquals(-540, april.getLong("tax.amountMinor"));
        assertEquals(0, april.getLong("total.amountMinor"));
        assertEquals(540, account(april.getString("id"), "TAX_PAYABLE"), "the tax owed on March's sale goes back");
        assertEquals(-9540, account(april.getString("id"), "TENANT_CREDIT"));
    }

    @Test
    void a_rate_is_set_by_platform_admins_within_bounds_and_a_tenant_at_zero_is_charged_no_tax() {
        World.Tenant t = World.tenant();
        String path = "/api/v1/tenants/" + t.id() + "/payment-terms";
        given().auth().oauth2(t.viewer()).get(path).then().statusCode(200).body("taxSource",
                equalTo("PLATFORM_DEFAULT")).body("taxRatePercent", equalTo(0)).body("taxName", equalTo("VAT"));
        String base = "{\"collectionMethod\":\"CHARGE_AUTOMATICALLY\",\"daysUntilDue\":14,";
        for (String bad : List.of("\"taxRatePercent\":100.5}", "\"taxRatePercent\":-1}",
                "\"taxRatePercent\":6.12345}", "\"taxRatePercent\":\"six\"}")) {
            terms(Tokens.admin(), t, base + bad).then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("taxRatePercent"));
        }
        for (String bad : List.of("\"taxName\":\"\"}", "\"taxName\":\"V@T\"}", "\"taxName\":\"" + "V".repeat(33)
                + "\"}")) {
            terms(Tokens.admin(), t, base + bad).then().statusCode(400).body("errors[0].field", equalTo("taxName"));
        }
        terms(t.admin(), t, base + "\"taxRatePercent\":0}").then().statusCode(403);
        given().auth().oauth2(t.viewer()).get(path).then().statusCode(200).body("source", equalTo("PLATFORM_DEFAULT"))
                .body("taxSource", equalTo("PLATFORM_DEFAULT"));

        // 8.875% (four decimals kept), then 0: an exempt tenant's invoice has no TAX line.
        terms(Tokens.admin(), t, base + "\"taxRatePercent\":8.875,\"taxName\":\"Sales tax\"}").then().statusCode(200)
                .body("taxRatePercent", equalTo(8.875f)).body("taxName", equalTo("Sales tax"));
        ran(t, "2022-06");
        meter.drain();
        assertEquals(1278, invoiceOf(t, "2022-06").getLong("tax.amountMinor"), "14,400 x 8.875%, exact");
        terms(Tokens.admin(), t, base + "\"taxRatePercent\":0}").then().statusCode(200)
                .body("taxRatePercent", equalTo(0)).body("taxSource", equalTo("TENANT"));
        Periods.close("2022-06");
        JsonPath invoice = invoiceOf(t, "2022-06");
        assertEquals(List.of("USAGE"), invoice.getList("lines.kind"));
        assertEquals(0, invoice.getLong("tax.amountMinor"));
        assertEquals(CHARGE, invoice.getLong("total.amountMinor"));
        assertEquals(0, account(invoice.getString("id"), "TAX_PAYABLE"));
    }
}
