package city.myriad.demo;

import city.myriad.billing.mapping.BillingApi.PeriodView;
import city.myriad.billing.service.PeriodClose;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement.NodeCards;
import city.myriad.jobs.service.PastRuns;
import city.myriad.jobs.service.PastRuns.Outcome;
import city.myriad.jobs.service.PastRuns.PastRun;
import city.myriad.metering.service.MeteringWorker;
import city.myriad.platform.security.Caller;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
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
 * export. On with {@code myriad.demo.history.enabled} (the dev start), after the demo world is loaded, on the start
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

    private final PastRuns pastRuns;
    private final MeteringWorker meter;
    private final PeriodClose periods;
    private final Clock clock;
    private final boolean enabled;

    DemoHistory(PastRuns pastRuns, MeteringWorker meter, PeriodClose periods, Clock clock, DemoConfig demo) {
        this.pastRuns = pastRuns;
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
     * Records last month's runs, rolls them up and closes the month; nothing if they were recorded before. Blocking:
     * the start-up thread, never an event loop.
     */
    void load() throws Throwable {
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC)).minusMonths(1);
        List<PastRun> runs = plan(month);
        int recorded = VertxContextSupport.subscribeAndAwait(() -> pastRuns.record(RECORDER, DemoData.HANGZHOU_CLUSTER,
                runs));
        if (recorded == 0) {
            LOG.info("Demo history present");
            return;
        }
        meter.drain();
        PeriodView closed = VertxContextSupport.subscribeAndAwait(() -> periods.close(RECORDER, month.toString()));
        LOG.infof("Demo history: %d runs of acme and globex in %s recorded, metered and invoiced (%d invoices)",
                recorded, month, closed.invoiceCount());
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
