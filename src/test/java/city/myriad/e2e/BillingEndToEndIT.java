package city.myriad.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.platform.money.Charges;
import city.myriad.support.FocusValidator;
import city.myriad.support.StripeStubs;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Billing end to end on the packaged service, with the real Keycloak and the Stripe stubs: a month of two demo
 * tenants (acme: a reservation and on-demand runs; globex: spot runs, one preempted and credited, and an on-demand
 * run) written as the scheduling loop and the market leave them, metered by the service; a late usage event; the
 * month closed twice; the invoices pushed to Stripe and paid by a signed webhook; late usage after the close on the
 * next draft; the operator's settlement and the FOCUS export reconciled with the invoices to the minor unit.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = RealKeycloak.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = ItDatabase.class, restrictToAnnotatedClass = true)
class BillingEndToEndIT {

    static final UUID HANGZHOU = UUID.fromString("01930000-0000-7000-8000-00000000c001");
    static final UUID HANGZHOU_OPERATOR = UUID.fromString("01930000-0000-7000-8000-00000000a001");
    static final UUID ACME = UUID.fromString("01930000-0000-7000-8000-00000000e001");
    static final UUID ACME_VISION = UUID.fromString("01930000-0000-7000-8000-00000000e101");
    static final UUID GLOBEX = UUID.fromString("01930000-0000-7000-8000-00000000e002");
    static final UUID GLOBEX_LLM = UUID.fromString("01930000-0000-7000-8000-00000000e201");
    static final String NODE = "hz-n0001";

    @Test
    void a_month_of_two_tenants_is_invoiced_once_paid_through_stripe_settled_and_exported_to_the_minor_unit()
            throws Exception {
        YearMonth month = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        String period = month.toString();
        Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        String admin = Keycloak.password("admin");
        String alice = Keycloak.password("alice");
        String bob = Keycloak.password("bob");
        String olga = Keycloak.password("olga");

        long acmeExpected;
        long globexExpected;
        UUID lateJob;
        try (Connection db = ItDatabase.connect()) {
            db.setAutoCommit(false);
            platform(db);
            // acme: a reservation bought on the 2nd for a day on the 10th (8 cards at 10.00 CNY a card-hour), three
            // on-demand runs at 12.00.
            long reservation = 8L * 24 * 1000;
            reserve(db, ACME, ACME_VISION, 8, start.plus(Duration.ofDays(9)), start.plus(Duration.ofDays(10)),
                    reservation, start.plus(Duration.ofDays(1)));
            long acmeRuns = 0;
            for (int i = 0; i < 3; i++) {
                Instant s = start.plus(Duration.ofDays(3 + i)).plusSeconds(1234L * i);
                acmeRuns += run(db, ACME, ACME_VISION, 2 + 2 * i, s, s.plusSeconds(5000 + 777L * i), 1200, "ON_DEMAND",
                        false).charge;
            }
            // The late event's run: the last evening of the month.
            Ran last = run(db, ACME, ACME_VISION, 4, end.minusSeconds(7200), end.minusSeconds(3600), 1200, "ON_DEMAND",
                    false);
            lateJob = last.job;
            acmeExpected = reservation + acmeRuns + last.charge;
            // globex: two spot runs at 6.00, the second preempted and credited whole; one on-demand run.
            long globexRuns = 0;
            Instant s1 = start.plus(Duration.ofDays(12));
            globexRuns += run(db, GLOBEX, GLOBEX_LLM, 8, s1, s1.plusSeconds(9000), 600, "SPOT", false).charge;
            Instant s2 = start.plus(Duration.ofDays(13));
            run(db, GLOBEX, GLOBEX_LLM, 8, s2, s2.plusSeconds(4321), 600, "SPOT", true);
            Instant s3 = start.plus(Duration.ofDays(14));
            globexRuns += run(db, GLOBEX, GLOBEX_LLM, 1, s3, s3.plusSeconds(3599), 1200, "ON_DEMAND", false).charge;
            globexExpected = globexRuns;
            db.commit();
        }

        // The meter rolls the month up; the drafts follow.
        JsonPath acmeDraft = until(alice, period, j -> j.getLong("total.amountMinor") == acmeExpected);
        assertEquals("DRAFT", acmeDraft.getString("state"));
        until(bob, period, j -> j.getLong("total.amountMinor") == globexExpected);

        // A late usage event of the month's last run, from the cluster's agent.
        String event = "{\"events\":[{\"eventId\":\"late-" + lateJob + "\",\"clusterId\":\"" + HANGZHOU
                + "\",\"jobId\":\"" + lateJob + "\",\"node\":\"" + NODE + "\",\"cards\":4,\"startAt\":\""
                + end.minusSeconds(7200) + "\",\"endAt\":\"" + end.minusSeconds(3600) + "\"}]}";
        given().auth().oauth2(olga).contentType("application/json").body(event).post("/api/v1/usage-events").then()
                .statusCode(200).body("results[0].status", equalTo("ACCEPTED"));

        // Closed twice: nothing doubles.
        JsonPath first = given().auth().oauth2(admin).post("/api/v1/billing/periods/" + period + "/close").then()
                .statusCode(200).extract().jsonPath();
        JsonPath second = given().auth().oauth2(admin).post("/api/v1/billing/periods/" + period + "/close").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(first.getInt("invoiceCount"), second.getInt("invoiceCount"));
        assertEquals(first.getString("invoicedAt"), second.getString("invoicedAt"));
        JsonPath acme = invoice(alice, period);
        JsonPath globex = invoice(bob, period);
        assertEquals("ISSUED", acme.getString("state"));
        assertEquals(acmeExpected, acme.getLong("total.amountMinor"));
        assertEquals(globexExpected, globex.getLong("total.amountMinor"));
        assertEquals(List.of("USAGE", "RESERVATION"), acme.getList("lines.kind"));
        assertEquals(List.of("USAGE", "USAGE", "PREEMPTION_CREDIT"), globex.getList("lines.kind"));
        try (Connection db = ItDatabase.connect()) {
            db.setAutoCommit(false);
            platform(db);
            for (JsonPath inv : List.of(acme, globex)) {
                assertEquals(inv.getLong("total.amountMinor"), single(db, "select sum(e.amount_minor) from "
                        + "ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.invoice_id = ?"
                        + " and t.kind = 'INVOICE_ISSUED' and e.account = 'TENANT_RECEIVABLE'",
                        UUID.fromString(inv.getString("id"))), "the ledger's movement is the invoice's total");
            }
            assertEquals(2, single(db, "select count(*) from ledger_transactions where kind = 'INVOICE_ISSUED' and "
                    + "period = ?", period), "one ledger transaction per invoice, however often closed");
            // Usage after the close: a run of the month the meter had not seen.
            run(db, ACME, ACME_VISION, 1, end.minusSeconds(1800), end.minusSeconds(600), 1200, "ON_DEMAND", false);
            db.commit();
        }
        String current = YearMonth.now(ZoneOffset.UTC).toString();
        JsonPath next = until(alice, current, j -> j.getList("lines.kind").contains("ADJUSTMENT"));
        assertTrue(next.getList("lines.kind").contains("ADJUSTMENT"), "late usage is an adjustment on the next invoice");
        assertEquals(acmeExpected, invoice(alice, period).getLong("total.amountMinor"), "an issued invoice never changes");

        // Stripe: pushed with keys from Myriad's ids, then paid by a signed webhook.
        for (JsonPath inv : List.of(acme, globex)) {
            String id = inv.getString("id");
            JsonPath pushed = untilPushed(admin, id);
            // Counted by idempotency key: a POST the HTTP client sent again is one item to Stripe.
            long items = StripeStubs.server().findAll(postRequestedFor(urlPathEqualTo("/v1/invoiceitems"))).stream()
                    .map(r -> r.getHeader("Idempotency-Key"))
                    .filter(k -> k.startsWith("myriad-invoice-" + id + "-line-")).distinct().count();
            assertEquals(inv.getList("lines").size(), items, "one invoice item per line");
            ObjectNode object = StripeStubs.object("invoice");
            object.put("id", pushed.getString("stripeInvoiceId"));
            object.putObject("metadata").put("myriad_invoice_id", id);
            String paid = StripeStubs.event("evt_" + UUID.randomUUID(), "invoice.paid", object);
            given().contentType("application/json").header("Stripe-Signature", StripeStubs.sign(paid,
                    StripeStubs.WEBHOOK_SECRET)).body(paid).post("/api/v1/stripe/webhooks").then().statusCode(200)
                    .body("outcome", equalTo("PAID"));
            given().contentType("application/json").header("Stripe-Signature", StripeStubs.sign(paid,
                    StripeStubs.WEBHOOK_SECRET)).body(paid).post("/api/v1/stripe/webhooks").then().statusCode(200)
                    .body("duplicate", equalTo(true));
        }
        assertEquals("PAID", invoice(alice, period).getString("state"));
        assertEquals("PAID", invoice(bob, period).getString("state"));

        // The operator's settlement reconciles with the invoices.
        JsonPath settlement = given().auth().oauth2(olga).queryParam("period", period)
                .get("/api/v1/operators/" + HANGZHOU_OPERATOR + "/settlements").then().statusCode(200).extract()
                .jsonPath();
        assertTrue(settlement.getBoolean("reconciled"));
        long revenue = settlement.getLong("totals[0].revenue.amountMinor");
        assertEquals(acmeExpected + globexExpected, revenue, "both tenants used the Hangzhou cluster only");
        assertEquals(revenue, settlement.getLong("totals[0].marketplaceFee.amountMinor")
                + settlement.getLong("totals[0].payable.amountMinor"));
        assertEquals(settlement.getLong("totals[0].payable.amountMinor"),
                settlement.getLong("totals[0].ledgerPayable.amountMinor"));

        // The FOCUS export reconciles with the invoices, and every row passes the validator.
        String csv = given().auth().oauth2(admin).queryParam("from", start.toString()).queryParam("to",
                end.toString()).queryParam("format", "csv").get("/api/v1/exports/focus").then().statusCode(200)
                .extract().asString();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = FocusValidator.Csv.rows(csv, header);
        assertEquals(List.of(), new FocusValidator().validate(header, rows));
        Map<String, BigDecimal> byInvoice = new HashMap<>();
        rows.stream().filter(r -> r.get("InvoiceId") != null).forEach(r -> byInvoice.merge(r.get("InvoiceId"),
                new BigDecimal(r.get("BilledCost")), BigDecimal::add));
        assertEquals(0, byInvoice.get(acme.getString("id")).compareTo(BigDecimal.valueOf(acmeExpected, 2)));
        assertEquals(0, byInvoice.get(globex.getString("id")).compareTo(BigDecimal.valueOf(globexExpected, 2)));
    }

    // --- what the scheduling loop and the market write, and reading back

    record Ran(UUID job, long charge) {}

    static void platform(Connection db) throws Exception {
        try (PreparedStatement s = db.prepareStatement("select set_config('myriad.scope', 'platform', true)")) {
            s.execute();
        }
    }

    /** An ended run as the scheduling loop records it: the job and its run segment (credited whole if so). */
    static Ran run(Connection db, UUID tenant, UUID project, int cards, Instant s, Instant e, long unit, String cls,
            boolean credited) throws Exception {
        UUID job = UUID.randomUUID();
        long charge = Charges.of(unit, cards * 1000, Duration.between(s, e));
        long credit = credited ? charge : 0;
        String placement = "{\"nodes\":[{\"node\":\"" + NODE + "\",\"cards\":[" + cardList(cards) + "]}],"
                + "\"shareMilli\":1000}";
        exec(db, """
                insert into jobs (id, tenant_id, project_id, cluster_id, model, cards_milli, price_class, max_run_seconds,
                                  same_block, currency, unit_price_minor, projected_minor, state, reason, attempt,
                                  placement, started_at, ended_at, charged_minor, credited_minor, submitted_by,
                                  created_at, updated_at, eligible_at)
                values (?, ?, ?, ?, 'ASCEND-910B', ?, ?, ?, false, 'CNY', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 'it', ?, ?, ?)""",
                job, tenant, project, HANGZHOU, cards * 1000, cls, (int) Duration.between(s, e).getSeconds(), unit,
                charge, credited ? "PREEMPTED" : "SUCCEEDED", credited ? "PREEMPTED" : "COMPLETED", placement,
                Timestamp.from(s), Timestamp.from(e), charge, credit, Timestamp.from(s), Timestamp.from(e),
                Timestamp.from(s));
        exec(db, """
                insert into job_segments (job_id, attempt, tenant_id, project_id, cluster_id, model, price_class,
                                          cards_milli, started_at, ended_at, outcome, currency, unit_price_minor,
                                          charge_minor, credit_minor, placement)
                values (?, 1, ?, ?, ?, 'ASCEND-910B', ?, ?, ?, ?, ?, 'CNY', ?, ?, ?, ?)""",
                job, tenant, project, HANGZHOU, cls, cards * 1000, Timestamp.from(s), Timestamp.from(e),
                credited ? "PREEMPTED" : "SUCCEEDED", unit, charge, credit, placement);
        return new Ran(job, charge - credit);
    }

    static void reserve(Connection db, UUID tenant, UUID project, int cards, Instant s, Instant e, long total,
            Instant bought) throws Exception {
        exec(db, """
                insert into reservations (id, tenant_id, project_id, cluster_id, model, cards, start_at, end_at,
                                          bought_end_at, same_block, status, price_book_version, currency,
                                          unit_price_minor, total_minor, created_at)
                values (?, ?, ?, ?, 'ASCEND-910B', ?, ?, ?, ?, false, 'CONFIRMED', 1, 'CNY', 1000, ?, ?)""",
                UUID.randomUUID(), tenant, project, HANGZHOU, cards, Timestamp.from(s), Timestamp.from(e),
                Timestamp.from(e), total, Timestamp.from(bought));
    }

    static String cardList(int cards) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cards; i++) {
            b.append(i == 0 ? "" : ",").append(i);
        }
        return b.toString();
    }

    static void exec(Connection db, String sql, Object... args) throws Exception {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.execute();
        }
    }

    static long single(Connection db, String sql, Object... args) throws Exception {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    static JsonPath invoice(String token, String period) {
        List<Map<String, Object>> items = given().auth().oauth2(token).queryParam("period", period)
                .get("/api/v1/invoices").then().statusCode(200).extract().jsonPath().getList("items");
        if (items.isEmpty()) {
            return null;
        }
        return given().auth().oauth2(token).get("/api/v1/invoices/" + items.get(0).get("id")).then().statusCode(200)
                .extract().jsonPath();
    }

    static JsonPath until(String token, String period, Predicate<JsonPath> done) {
        Instant deadline = Instant.now().plusSeconds(60);
        JsonPath last = null;
        while (Instant.now().isBefore(deadline)) {
            last = invoice(token, period);
            if (last != null && done.test(last)) {
                return last;
            }
            sleep(250);
        }
        throw new AssertionError("the " + period + " invoice never got there: " + (last == null ? null : last.prettify()));
    }

    static JsonPath untilPushed(String token, String id) {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            JsonPath j = given().auth().oauth2(token).get("/api/v1/invoices/" + id).then().statusCode(200).extract()
                    .jsonPath();
            if ("PUSHED".equals(j.getString("stripeState"))) {
                return j;
            }
            sleep(250);
        }
        throw new AssertionError("invoice " + id + " never reached Stripe");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
