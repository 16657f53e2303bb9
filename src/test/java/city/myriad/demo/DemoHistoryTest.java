package city.myriad.demo;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement.NodeCards;
import city.myriad.jobs.service.PastRuns;
import city.myriad.jobs.service.PastRuns.Outcome;
import city.myriad.jobs.service.PastRuns.PastRun;
import city.myriad.metering.mapping.MeteringApi.UsageEvent;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.money.Charges;
import city.myriad.platform.security.Caller;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The dev start's demo month (DemoHistory) on a service of its own, started as the dev start is: last month's runs of
 * acme and globex recorded through the jobs' PastRuns use case, metered, the month closed and invoiced to the minor
 * unit of what the runs cost, computed here from the plan; and the use case's rules.
 */
@QuarkusTest
@TestProfile(DemoHistoryTest.WithHistory.class)
@QuarkusTestResource(OidcWiremockTestResource.class)
class DemoHistoryTest {

    /** The demo month on, as in the dev start. */
    public static class WithHistory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("myriad.demo.history.enabled", "true");
        }
    }

    @Inject
    DemoHistory history;

    @Inject
    PastRuns pastRuns;

    @Inject
    city.myriad.catalog.service.NodeHistory nodes;

    static final YearMonth MONTH = YearMonth.now(ZoneOffset.UTC).minusMonths(1);

    @Test
    void last_month_is_invoiced_to_each_demo_tenant_for_what_its_runs_cost_and_the_operator_settled() throws Throwable {
        List<PastRun> plan = DemoHistory.plan(MONTH);
        long acme = owed(plan, DemoData.ACME);
        long globex = owed(plan, DemoData.GLOBEX);
        assertTrue(acme > 0 && globex > 0);

        given().auth().oauth2(Tokens.admin()).get("/api/v1/billing/periods/" + MONTH).then().statusCode(200)
                .body("state", equalTo("CLOSED")).body("invoiceCount", equalTo(2));
        JsonPath acmeInvoice = invoice(Tokens.alice());
        assertEquals(acme, acmeInvoice.getLong("total.amountMinor"), acmeInvoice.prettify());
        assertEquals("ISSUED", acmeInvoice.getString("state"));
        assertEquals(globex, invoice(Tokens.bob()).getLong("total.amountMinor"));
        // One run on a node that went down: credited on acme's invoice, which says so.
        assertTrue(acmeInvoice.getList("lines.kind").contains("PREEMPTION_CREDIT"), acmeInvoice.prettify());

        // The runs are acme's jobs, in their final states; globex's are not acme's to see.
        JsonPath jobs = given().auth().oauth2(Tokens.alice()).queryParam("limit", 500).get("/api/v1/jobs").then()
                .statusCode(200).extract().jsonPath();
        String demo = "items.findAll { it.name.startsWith('vision-train-') }";
        assertEquals(24, jobs.getList(demo).size());
        assertEquals(java.util.stream.IntStream.rangeClosed(1, 24).mapToObj(i -> "vision-train-%02d".formatted(i))
                .toList(), jobs.getList(demo + ".name"), "listed oldest first, as they ran");
        assertEquals(23, jobs.getList(demo + ".findAll { it.state == 'SUCCEEDED' }").size());
        assertEquals(List.of("NODE_DOWN"), jobs.getList(demo + ".findAll { it.state == 'FAILED' }.reason"));
        assertFalse(jobs.getList("items.name", String.class).stream().anyMatch(n -> n.startsWith("llm-")));

        // The operator's statement of the month reconciles with the invoices.
        given().auth().oauth2(Tokens.olga()).queryParam("period", MONTH.toString())
                .get("/api/v1/operators/" + DemoData.HANGZHOU + "/settlements").then().statusCode(200)
                .body("reconciled", equalTo(true));

        // A second start records nothing and invoices nothing again.
        history.load();
        assertEquals(24, given().auth().oauth2(Tokens.alice()).queryParam("limit", 500).get("/api/v1/jobs").then()
                .statusCode(200).extract().jsonPath().getList(demo).size());
        assertEquals(acme, invoice(Tokens.alice()).getLong("total.amountMinor"));
    }

    @Test
    void each_run_shows_what_its_agents_measured_and_the_run_whose_node_fell_silent_is_flagged_to_the_operator() {
        List<PastRun> plan = DemoHistory.plan(MONTH);
        Map<String, UUID> idOf = new java.util.HashMap<>();
        for (String token : List.of(Tokens.alice(), Tokens.bob())) {
            JsonPath jobs = given().auth().oauth2(token).queryParam("limit", 500).get("/api/v1/jobs").then()
                    .statusCode(200).extract().jsonPath();
            jobs.getList("items", Map.class).forEach(j -> idOf.put((String) j.get("name"),
                    UUID.fromString((String) j.get("id"))));
        }
        List<UUID> ids = plan.stream().map(r -> idOf.get(r.name())).toList();
        Map<UUID, List<UsageEvent>> reported = DemoHistory.reports(plan, ids).stream()
                .collect(java.util.stream.Collectors.groupingBy(UsageEvent::jobId));
        // Events that ended before the late window were refused at the start: 35 days before it (an hour's margin
        // either side, as the start was a little before this test).
        Instant window = Instant.now().minus(Duration.ofDays(35));
        int measured = 0;
        int unmeasured = 0;
        String flagged = null;
        for (int i = 0; i < plan.size(); i++) {
            List<UsageEvent> events = reported.get(ids.get(i));
            boolean allKept = events.stream().allMatch(e -> e.endAt().isAfter(window.plus(Duration.ofHours(1))));
            boolean noneKept = events.stream().allMatch(e -> e.endAt().isBefore(window.minus(Duration.ofHours(1))));
            String token = plan.get(i).tenantId().equals(DemoData.ACME) ? Tokens.alice() : Tokens.bob();
            JsonPath usage = JsonPath.from(given().auth().oauth2(token).get("/api/v1/jobs/" + ids.get(i) + "/usage")
                    .then().statusCode(200).extract().asString()).using(new io.restassured.path.json.config
                    .JsonPathConfig(io.restassured.path.json.config.JsonPathConfig.NumberReturnType.BIG_DECIMAL));
            if (noneKept) {
                assertEquals("UNMEASURED", usage.getString("reconciliation"), usage.prettify());
                org.junit.jupiter.api.Assertions.assertNull(usage.get("meanUtilization"));
                org.junit.jupiter.api.Assertions.assertNull(usage.get("energyWh"));
                unmeasured++;
            } else if (allKept) {
                assertEquals(events.size(), usage.getInt("eventCount"), usage.prettify());
                assertEquals(0, events.stream().map(UsageEvent::energyWh).reduce(BigDecimal.ZERO, BigDecimal::add)
                        .compareTo(decimal(usage, "energyWh")), usage.prettify());
                BigDecimal busy = BigDecimal.ZERO;
                long cms = 0;
                for (UsageEvent e : events) {
                    long w = e.cards().longValue() * 1000 * Duration.between(e.startAt(), e.endAt()).toSeconds();
                    busy = busy.add(e.utilization().multiply(BigDecimal.valueOf(w)));
                    cms += w;
                }
                assertEquals(0, busy.divide(BigDecimal.valueOf(cms), 3, java.math.RoundingMode.HALF_EVEN)
                        .compareTo(decimal(usage, "meanUtilization")), usage.prettify());
                boolean silent = plan.get(i).outcome() == Outcome.NODE_DOWN;
                assertEquals(silent ? "DISCREPANT" : "MATCHED", usage.getString("reconciliation"), usage.prettify());
                if (silent) {
                    flagged = ids.get(i).toString();
                    assertTrue(decimal(usage, "measuredCardSeconds").compareTo(decimal(usage, "lifecycleCardSeconds"))
                            < 0, usage.prettify());
                } else {
                    assertEquals(0, decimal(usage, "measuredCardSeconds").compareTo(decimal(usage,
                            "lifecycleCardSeconds")), usage.prettify());
                }
                measured++;
            }
        }
        // Whatever day of the month this runs on, the month's last runs are inside the window (at most 31 days ago).
        assertTrue(measured >= 20, measured + " measured, " + unmeasured + " unmeasured");
        // The month's usage shows how busy acme's cards were and what they drew, from the hourly rollups.
        JsonPath month = given().auth().oauth2(Tokens.alice()).queryParam("from", MONTH.atDay(1).atStartOfDay()
                        .toInstant(ZoneOffset.UTC).toString()).queryParam("to", MONTH.plusMonths(1).atDay(1)
                        .atStartOfDay().toInstant(ZoneOffset.UTC).toString()).queryParam("groupBy", "period")
                .get("/api/v1/usage").then().statusCode(200).extract().jsonPath();
        assertTrue(month.getDouble("lines[0].meanUtilization") >= 0.69 && month.getDouble(
                "lines[0].meanUtilization") <= 0.95, month.prettify());
        assertTrue(month.getDouble("lines[0].energyWh") > 0, month.prettify());
        // The run whose node fell silent before it went down is on the operator's list, if its events were kept.
        if (flagged != null) {
            assertTrue(given().auth().oauth2(Tokens.olga()).get("/api/v1/usage/discrepancies").then().statusCode(200)
                    .extract().jsonPath().getList("items.jobId").contains(flagged));
        }
    }

    @Test
    void the_cluster_was_in_service_through_the_month_so_its_occupancy_measures_the_runs() throws Throwable {
        Instant from = MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = MONTH.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        JsonPath month = given().auth().oauth2(Tokens.olga()).queryParam("from", from.toString())
                .queryParam("to", to.toString()).queryParam("groupBy", "day")
                .get("/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/occupancy").then().statusCode(200)
                .extract().jsonPath();
        long seconds = Duration.between(from, to).toSeconds();
        assertEquals(10_000L * seconds, month.getLong("totals[0].cardSeconds"), "1,250 nodes of 8 cards, all month");
        long planned = DemoHistory.plan(MONTH).stream().mapToLong(r -> r.placement().stream()
                .mapToLong(n -> n.cards().size()).sum() * Duration.between(r.startedAt(), r.endedAt()).toSeconds())
                .sum();
        long allocated = month.getLong("totals[0].allocatedCardSeconds");
        assertTrue(allocated >= planned && planned > 0, allocated + " allocated, " + planned + " planned");
        double inService = month.getLong("totals[0].availableCardSeconds")
                + month.getLong("totals[0].drainingCardSeconds");
        assertEquals(allocated / inService, month.getDouble("totals[0].allocation"), 0.0001);
        // Its first day, too: every node counted from the month's first second.
        assertEquals(10_000L * 86_400, month.getLong("lines[0].cardSeconds"));

        // Recorded once, by a platform admin only.
        Caller admin = new Caller("history-test", "history-test", Set.of(Caller.PLATFORM_ADMIN), Optional.empty(),
                Optional.empty());
        assertEquals(0, VertxContextSupport.<Integer>subscribeAndAwait(() -> nodes.inServiceSince(admin,
                DemoData.HANGZHOU_CLUSTER, from)));
        Caller operator = new Caller("olga", "olga", Set.of(Caller.OPERATOR), Optional.empty(), Optional.empty());
        assertProblem("PLATFORM_ADMIN_REQUIRED", () -> nodes.inServiceSince(operator, DemoData.HANGZHOU_CLUSTER,
                from));
    }

    @Test
    void the_plan_of_every_month_of_a_year_ends_inside_its_month_and_never_puts_a_card_in_two_runs() {
        for (int m = 1; m <= 12; m++) {
            YearMonth month = YearMonth.of(2027, m);
            List<PastRun> plan = DemoHistory.plan(month);
            assertEquals(40, plan.size());
            Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            for (PastRun r : plan) {
                assertTrue(!r.startedAt().isBefore(month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC))
                        && r.endedAt().isBefore(end), month + " " + r.name());
            }
            assertEquals(plan.stream().mapToInt(r -> r.placement().size()).sum(), plan.stream()
                    .flatMap(r -> r.placement().stream().map(NodeCards::node)).distinct().count(), "nodes of their own");
        }
    }

    @Test
    void past_runs_are_recorded_by_platform_admins_only_and_each_must_have_ended_on_cards_of_the_cluster_once() {
        Instant start = Instant.now().minus(Duration.ofDays(2));
        Caller admin = new Caller("history-test", "history-test", Set.of(Caller.PLATFORM_ADMIN), Optional.empty(),
                Optional.empty());
        Caller tenant = new Caller("alice", "alice", Set.of(Caller.TENANT_ADMIN), Optional.of("acme"),
                Optional.empty());
        PastRun ok = run("hz-n1001", List.of(0, 1), start, start.plusSeconds(3600));
        assertProblem("PLATFORM_ADMIN_REQUIRED", () -> record(tenant, List.of(ok)));
        assertProblem("VALIDATION_FAILED", () -> record(admin, List.of(run("hz-n1001", List.of(0), start,
                Instant.now().plusSeconds(60)))));
        assertProblem("VALIDATION_FAILED", () -> record(admin, List.of(run("hz-n9999", List.of(0), start,
                start.plusSeconds(60)))));
        assertProblem("VALIDATION_FAILED", () -> record(admin, List.of(run("hz-n1001", List.of(8), start,
                start.plusSeconds(60)))));
        assertProblem("VALIDATION_FAILED", () -> record(admin, List.of(ok, run("hz-n1001", List.of(1, 2),
                start.plusSeconds(1800), start.plusSeconds(5400)))));
        assertProblem("VALIDATION_FAILED", () -> record(admin, List.of(new PastRun(DemoData.ACME,
                DemoHistory.ACME_VISION, "x", null, JobClass.ON_DEMAND, List.of(new NodeCards("hz-n1001", List.of(0))),
                start, start.plusSeconds(60), 1200, "CNY", Outcome.SUCCEEDED))));
        assertProblem("PROJECT_NOT_FOUND", () -> record(admin, List.of(new PastRun(DemoData.GLOBEX,
                DemoHistory.ACME_VISION, "x", "ASCEND-910B", JobClass.ON_DEMAND, List.of(new NodeCards("hz-n1001",
                        List.of(0))), start, start.plusSeconds(60), 1200, "CNY", Outcome.SUCCEEDED))));
        // Back to back on the same cards is no overlap; recorded once per recorder.
        assertEquals(2, record(admin, List.of(ok, run("hz-n1001", List.of(0, 1), start.plusSeconds(3600),
                start.plusSeconds(7200)))));
        assertEquals(0, record(admin, List.of(ok)));
        // Another recorder's run on those cards at that time: refused, the card was taken.
        Caller other = new Caller("history-test-2", "history-test-2", Set.of(Caller.PLATFORM_ADMIN), Optional.empty(),
                Optional.empty());
        assertProblem("VALIDATION_FAILED", () -> record(other, List.of(run("hz-n1001", List.of(1), start.plusSeconds(
                7000), start.plusSeconds(9000)))));
        assertEquals(1, record(other, List.of(run("hz-n1001", List.of(1), start.plusSeconds(7200),
                start.plusSeconds(9000)))));
        // Two recorders at once on one card: one batch recorded, the other refused (the cluster's lock), never both.
        List<java.util.concurrent.CompletableFuture<String>> both = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Caller recorder = new Caller("history-race-" + i, "history-race-" + i, Set.of(Caller.PLATFORM_ADMIN),
                    Optional.empty(), Optional.empty());
            both.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return "recorded " + record(recorder, List.of(run("hz-n1002", List.of(3), start,
                            start.plusSeconds(600))));
                } catch (MyriadProblem p) {
                    return p.code().name();
                }
            }));
        }
        assertEquals(List.of("VALIDATION_FAILED", "recorded 1"), both.stream()
                .map(java.util.concurrent.CompletableFuture::join).sorted().toList());
    }

    private int record(Caller caller, List<PastRun> runs) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> pastRuns.record(caller, DemoData.HANGZHOU_CLUSTER, runs))
                    .size();
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void assertProblem(String code, Runnable call) {
        try {
            call.run();
        } catch (MyriadProblem p) {
            assertEquals(code, p.code().name(), p.getMessage());
            return;
        }
        throw new AssertionError("expected " + code);
    }

    private static PastRun run(String node, List<Integer> cards, Instant start, Instant end) {
        return new PastRun(DemoData.ACME, DemoHistory.ACME_VISION, "history-test", "ASCEND-910B", JobClass.ON_DEMAND,
                List.of(new NodeCards(node, cards)), start, end, 1200, "CNY", Outcome.SUCCEEDED);
    }

    /** What the tenant owes for its runs of the plan: each run's charge, less its credit, computed here. */
    private static long owed(List<PastRun> plan, UUID tenant) {
        return plan.stream().filter(r -> r.tenantId().equals(tenant)).mapToLong(r -> r.outcome() == Outcome.NODE_DOWN
                ? 0 : Charges.of(r.unitPriceMinor(), r.placement().stream().mapToInt(n -> n.cards().size()).sum()
                        * 1000, Duration.between(r.startedAt(), r.endedAt()))).sum();
    }

    private static BigDecimal decimal(JsonPath json, String path) {
        return new BigDecimal(String.valueOf((Object) json.get(path)));
    }

    private static JsonPath invoice(String token) {
        List<String> ids = given().auth().oauth2(token).queryParam("period", MONTH.toString()).get("/api/v1/invoices")
                .then().statusCode(200).extract().jsonPath().getList("items.id");
        assertEquals(1, ids.size(), "one invoice of the month: " + ids);
        return given().auth().oauth2(token).get("/api/v1/invoices/" + ids.get(0)).then().statusCode(200).extract()
                .jsonPath();
    }
}
