package city.myriad.demo;

import city.myriad.billing.mapping.BillingApi.PeriodView;
import city.myriad.billing.service.PeriodClose;
import city.myriad.catalog.service.NodeHistory;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement.NodeCards;
import city.myriad.jobs.service.PastRuns;
import city.myriad.jobs.service.PastRuns.Outcome;
import city.myriad.jobs.service.PastRuns.PastRun;
import city.myriad.metering.mapping.MeteringApi.UsageEvent;
import city.myriad.metering.mapping.MeteringApi.UsageEventResults;
import city.myriad.metering.service.MeteringWorker;
import city.myriad.metering.service.UsageIngestion;
import city.myriad.platform.security.Caller;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jboss.logging.Logger;

/**
 * Last month of the demo world, so that a newcomer's first start has something to bill: acme's vision training and
 * globex's pre-training ran on the Hangzhou cluster in the month before the start (recorded through the jobs'
 * {@link PastRuns} use case, as a platform admin migrating a cluster's accounting would), the meter rolled them up,
 * and the month was closed as finance closes one: invoices for both tenants, the operator's settlement, the FOCUS
 * export. The cluster's agents reported each run's usage as they do, hour by hour and node by node, with how busy
 * the cards were and the energy they drew (through the metering's own ingestion, so that its rules hold: an
 * interval that ended before the late window is refused, and its run stays unmeasured). On with {@code myriad.demo.history.enabled} (the dev start), after the demo world is loaded, on the start
 * that first records them; a start that finds them records nothing again (the runs are recorded once per recorder).
 */
@ApplicationScoped
public class DemoHistory {

    private static final Logger LOG = Logger.getLogger(DemoHistory.class);

    /** Who records the month: a platform admin; its runs carry this name as their submitter. */
    static final Caller RECORDER = new Caller("demo-history", "demo-history", Set.of(Caller.PLATFORM_ADMIN),
            Optional.empty(), Optional.empty());

    static final UUID ACME_VISION = UUID.fromString("01930000-0000-7000-8000-00000000e101");
    static final UUID GLOBEX_LLM = UUID.fromString("01930000-0000-7000-8000-00000000e201");
    static final String MODEL = "ASCEND-910B";
    /** The demo price book's prices (DemoData.priceBook), minor units of CNY a card-hour. */
    static final long ON_DEMAND = 1200;
    static final long SPOT = 600;

    /** A card's draw, as the emulator's (a 400 W card): idle, and at full use on top of idle. */
    static final int IDLE_WATTS = 100;
    static final int BUSY_WATTS = 300;
    /** The node that went down under its run stopped reporting this long before the loop saw it down. */
    static final Duration SILENT_BEFORE_DOWN = Duration.ofMinutes(30);

    private final PastRuns pastRuns;
    private final NodeHistory nodes;
    private final UsageIngestion usage;
    private final MeteringWorker meter;
    private final PeriodClose periods;
    private final Clock clock;
    private final boolean enabled;

    DemoHistory(PastRuns pastRuns, NodeHistory nodes, UsageIngestion usage, MeteringWorker meter, PeriodClose periods,
            Clock clock, DemoConfig demo) {
        this.pastRuns = pastRuns;
        this.nodes = nodes;
        this.usage = usage;
        this.meter = meter;
        this.periods = periods;
        this.clock = clock;
        this.enabled = demo.enabled() && demo.historyEnabled();
    }

    /** After DemoData's own start-up observer (the default priority), which loads the world this month runs in. */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) StartupEvent start) throws Throwable {
        if (enabled) {
            try {
                load();
            } catch (RuntimeException e) {
                // The month is a convenience of the demo: a dev database whose runs of that month took the cards
                // it plans (a rule refusing it), or a failure on the way, leaves the start as it was.
                LOG.warnf("Demo history not recorded: %s", e.toString());
            }
        }
    }

    /**
     * Records last month's runs and what the agents reported of them, rolls them up and closes the month; nothing if
     * they were recorded before. Blocking: the start-up thread, never an event loop.
     */
    void load() throws Throwable {
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC)).minusMonths(1);
        List<PastRun> runs = plan(month);
        List<UUID> jobs = VertxContextSupport.subscribeAndAwait(() -> pastRuns.record(RECORDER,
                DemoData.HANGZHOU_CLUSTER, runs));
        if (jobs.isEmpty()) {
            LOG.info("Demo history present");
            return;
        }
        // The cluster's nodes were in service through the month its runs ran in: its occupancy counts their cards.
        Instant monthStart = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        VertxContextSupport.subscribeAndAwait(() -> nodes.inServiceSince(RECORDER, DemoData.HANGZHOU_CLUSTER,
                monthStart));
        List<UsageEvent> reported = reports(runs, jobs);
        long accepted = 0;
        long refused = 0;
        try {
            for (int from = 0; from < reported.size(); from += 1000) {
                List<UsageEvent> batch = reported.subList(from, Math.min(reported.size(), from + 1000));
                UsageEventResults results = VertxContextSupport.subscribeAndAwait(() -> usage.ingest(RECORDER, batch));
                accepted += results.accepted() + results.duplicates();
                refused += results.rejected();
            }
        } catch (RuntimeException e) {
            // The runs are recorded: a later start would find them and not come back here, so the month is closed
            // whatever became of their measures (the lifecycle bills; the events only show how busy the cards were).
            LOG.warnf("Demo history: the agents' usage events not all kept (%s); the month is closed without them",
                    e.toString());
        }
        meter.drain();
        PeriodView closed = VertxContextSupport.subscribeAndAwait(() -> periods.close(RECORDER, month.toString()));
        LOG.infof("Demo history: %d runs of acme and globex in %s recorded, metered and invoiced (%d invoices); "
                + "%d usage events of their agents kept, %d refused (ended before the late window)", jobs.size(),
                month, closed.invoiceCount(), accepted, refused);
    }

    /**
     * What the cluster's agents reported of the runs, the same for the same plan: an event per node and hour of each
     * run (the last one shorter), the node's cards busy around a mean of the run's (acme's training 72-92%, globex's
     * pre-training 88-97%, its fine-tunes 55-80%; each hour within three points of it) and the energy they drew at
     * {@value #IDLE_WATTS} W idle plus {@value #BUSY_WATTS} W at full use. The run whose node went down: that node
     * fell silent {@link #SILENT_BEFORE_DOWN} before the run's end, so the run's measure falls short of its lifecycle
     * and the meter flags it DISCREPANT for the operator.
     */
    static List<UsageEvent> reports(List<PastRun> runs, List<UUID> jobs) {
        SplittableRandom random = new SplittableRandom(20_261_102L);
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            PastRun run = runs.get(i);
            UUID job = jobs.get(i);
            int mean = run.tenantId().equals(DemoData.ACME) ? 720 + random.nextInt(201)
                    : run.jobClass() == JobClass.ON_DEMAND ? 880 + random.nextInt(91) : 550 + random.nextInt(251);
            for (int n = 0; n < run.placement().size(); n++) {
                NodeCards node = run.placement().get(n);
                Instant end = run.outcome() == Outcome.NODE_DOWN && n == 0
                        ? run.endedAt().minus(SILENT_BEFORE_DOWN) : run.endedAt();
                int hour = 0;
                for (Instant at = run.startedAt(); at.isBefore(end); at = at.plus(Duration.ofHours(1)), hour++) {
                    Instant to = at.plus(Duration.ofHours(1)).isBefore(end) ? at.plus(Duration.ofHours(1)) : end;
                    int milli = Math.max(0, Math.min(1000, mean - 30 + random.nextInt(61)));
                    events.add(new UsageEvent("demo-%s-%s-%03d".formatted(job, node.node(), hour),
                            DemoData.HANGZHOU_CLUSTER, job, node.node(), BigDecimal.valueOf(node.cards().size()), at,
                            to, BigDecimal.valueOf(milli, 3), energyWh(node.cards().size(), Duration.between(at, to),
                            milli)));
                }
            }
        }
        return events;
    }

    /** Watt-hours, to three decimals, that {@code cards} cards busy {@code utilizationMilli}/1000 drew over a while. */
    static BigDecimal energyWh(int cards, Duration over, int utilizationMilli) {
        BigDecimal watts = BigDecimal.valueOf(cards).multiply(BigDecimal.valueOf(IDLE_WATTS)
                .add(BigDecimal.valueOf(BUSY_WATTS).multiply(BigDecimal.valueOf(utilizationMilli, 3))));
        return watts.multiply(BigDecimal.valueOf(over.toSeconds())).divide(BigDecimal.valueOf(3600), 3,
                RoundingMode.HALF_EVEN);
    }

    /**
     * The month's runs, the same for the same month: acme 24 training runs of one to four whole nodes (on-demand, a
     * third of them spot; one on a node that went down, credited), globex 8 pre-training runs of eight nodes (64
     * cards, on demand) and 8 spot fine-tunes of one node. Each run has nodes of its own, so no card is in two runs.
     */
    static List<PastRun> plan(YearMonth month) {
        SplittableRandom random = new SplittableRandom(20_261_101L);
        Instant first = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        int days = month.lengthOfMonth();
        List<PastRun> runs = new ArrayList<>();
        int node = 1;
        for (int i = 0; i < 24; i++) {
            int nodes = 1 << random.nextInt(3);
            boolean spot = i % 3 == 2;
            Instant start = first.plus(Duration.ofDays(i * (days - 1L) / 24)).plusSeconds(random.nextInt(6 * 3600));
            Duration ran = Duration.ofMinutes(90 + random.nextInt(6 * 60));
            runs.add(run(DemoData.ACME, ACME_VISION, "vision-train-%02d".formatted(i + 1), node, nodes, start, ran,
                    spot ? JobClass.SPOT : JobClass.ON_DEMAND, i == 7 ? Outcome.NODE_DOWN : Outcome.SUCCEEDED));
            node += nodes;
        }
        node = 401;
        for (int i = 0; i < 16; i++) {
            boolean pretrain = i % 2 == 0;
            int nodes = pretrain ? 8 : 1;
            Instant start = first.plus(Duration.ofDays(i * (days - 2L) / 16)).plusSeconds(random.nextInt(4 * 3600));
            Duration ran = pretrain ? Duration.ofHours(10 + random.nextInt(14)) : Duration.ofMinutes(45 + random.nextInt(180));
            runs.add(run(DemoData.GLOBEX, GLOBEX_LLM, (pretrain ? "llm-pretrain-%02d" : "llm-finetune-%02d")
                    .formatted(i / 2 + 1), node, nodes, start, ran, pretrain ? JobClass.ON_DEMAND : JobClass.SPOT,
                    Outcome.SUCCEEDED));
            node += nodes;
        }
        return runs;
    }

    private static PastRun run(UUID tenant, UUID project, String name, int firstNode, int nodes, Instant start,
            Duration ran, JobClass jobClass, Outcome outcome) {
        List<NodeCards> placement = IntStream.range(firstNode, firstNode + nodes)
                .mapToObj(n -> new NodeCards("hz-n%04d".formatted(n), IntStream.range(0, DemoData.CARDS_PER_NODE)
                        .boxed().toList()))
                .toList();
        return new PastRun(tenant, project, name, MODEL, jobClass, placement, start, start.plus(ran),
                jobClass == JobClass.SPOT ? SPOT : ON_DEMAND, "CNY", outcome);
    }
}
