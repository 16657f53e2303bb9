package city.myriad.simulator;

import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.StartEstimate;
import city.myriad.allocation.Topology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.DoublePredicate;
import java.util.function.ToDoubleFunction;

/**
 * How good the service's start estimate is: at each job's submission, the answer the service gives (a job quote's
 * {@code earliestStartAt}, and a QUEUED job's {@code estimatedStartAt} right after its submission), computed by the
 * same {@link StartEstimate} on what the replay holds then, against when the job first started in the replay.
 * <ul>
 *   <li><b>estimate</b>, the service's: the waiting jobs ahead of it in the core's order, fair share aside: jobs
 *       waiting past the aging threshold (6.25 h, or the queue's drain time up to 18 h), the oldest few (as many as a cycle reserves for), then every other job
 *       of a smaller size key (milli-cards × run time, or with the core's area half-life its log plus the rate
 *       times the submission), as
 *       {@code JobQueueRepository.queuedAhead} selects them, planned node by node on the job's models' nodes
 *       ({@link StartEstimate#earliestOnNodes}: each job at the earliest time it fits one node for its whole run,
 *       a gang on the whole free cards of all), or, behind more than {@link #NODE_PLAN_LIMIT} jobs, pooled;</li>
 *   <li><b>pooled</b>, for comparison (the service's until 2026-12-05): that queue played in order on the cards of
 *       the job's models taken together;</li>
 *   <li><b>fcfs</b>, for comparison (what quotes answered until 2026-12-01): every job waiting on the job's models
 *       ahead of it, first come, first served, pooled.</li>
 * </ul>
 * Running jobs release their cards at their declared ends. The replay's declared run time is the job's real one, so
 * the error measured here is the queue model's alone (no preemption or fair share, no later arrivals); in the
 * service a job that ends before its {@code maxRunSeconds} makes the estimate later than the real start as well.
 */
final class StartEstimates {

    /** One job's estimates (the service's, first come first served) and its first start, in replay seconds (NaN: never). */
    record Row(Job job, double estimate, double fcfs, double pooled, double started) {}

    private final Topology topology;
    private final double agingS;
    private final double agingCapS;
    /** The waiting jobs' milli-cards × declared run time (none without one): the queue's drain, for the aging. */
    private long queuedMilliSeconds;
    /** How many of the oldest aged jobs go first; every other job follows smallest area first. */
    private final int oldestFirst;
    /** The jobs waiting now, first come, first served (a preempted job keeps its place: created_at stays). */
    private final TreeSet<Job> bySubmission = new TreeSet<>(
            Comparator.comparingDouble(Job::submitS).thenComparingInt(Job::id));
    /** ln 2 / the core's area half-life (0: none), as {@code JobQueueRepository.queuedAhead} reads it. */
    private final double areaRate;
    /** The same jobs by size key, then submission: the order of the jobs not yet aged. */
    private final TreeSet<Job> byArea;
    private final Map<Integer, double[]> answers = new LinkedHashMap<>();
    private final Map<Integer, Double> firstStart = new LinkedHashMap<>();
    /** The capacity of each set of allowed models met so far. */
    private final Map<Long, Long> capacityOf = new HashMap<>();

    StartEstimates(Topology topology, SchedulerOptions queue) {
        this.oldestFirst = queue.heads();
        this.topology = topology;
        this.agingS = queue.agingS();
        this.agingCapS = queue.agingCapS();
        this.areaRate = queue.areaRate();
        this.byArea = new TreeSet<>(Comparator.comparingDouble(this::sizeKey).thenComparingDouble(Job::submitS)
                .thenComparingInt(Job::id));
    }

    /** The milli-cards of the models a job may use: what the service calls the model's cards in service. */
    private long capacity(long allowedModels) {
        long milli = 0;
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.cards(n) > 0 && (allowedModels & (1L << topology.model(n))) != 0) {
                milli += topology.cards(n) * 1000L;
            }
        }
        return milli;
    }

    /** Milli-card-seconds, as the service orders by {@code cards_milli × max_run_seconds}. */
    private static double area(Job j) {
        return (double) j.totalMilli() * runSeconds(j);
    }

    /** The service's size key, as the core's on the area in card-seconds. */
    private double sizeKey(Job j) {
        return SchedulerOptions.sizeKey(area(j) / 1000, j.submitS(), areaRate);
    }

    /** A job that never ends (no run time in the trace) holds its cards for a century: for ever, in any replay. */
    private static final double FOREVER_S = 100 * 365 * 86_400.0;

    private static long runSeconds(Job j) {
        return Math.round(Math.min(j.durationS(), FOREVER_S));
    }

    /** A job is submitted at {@code t} with {@code running} on the cards: what the service would answer. */
    void submitted(Job j, double t, Collection<Replay.Run> running) {
        if (j.totalMilli() == 0) {
            return;  // a job without cards: the service has none, and nothing to estimate
        }
        long capacity = capacityOf.computeIfAbsent(j.allowedModels(), this::capacity);
        List<StartEstimate.Running> holding = new ArrayList<>();
        for (Replay.Run r : running) {
            Placement p = r.placement();
            if (p.nodes().length > 0 && topology.cards(p.nodes()[0]) > 0 && j.allows(topology.model(p.nodes()[0]))) {
                holding.add(new StartEstimate.Running(p.job().totalMilli(), instant(r.end())));
            }
        }
        List<StartEstimate.Waiting> fcfs = new ArrayList<>();
        for (Job w : bySubmission) {
            if (sharesModels(w, j)) {
                fcfs.add(waiting(w));
            }
        }
        List<StartEstimate.Waiting> coreOrder = new ArrayList<>();
        double agedBefore = t - SchedulerOptions.agingThreshold(agingS, agingCapS, queuedMilliSeconds, topology.totalCards());
        java.util.Set<Job> oldest = new java.util.HashSet<>();
        for (Job w : bySubmission) {
            if (w.submitS() > agedBefore || oldest.size() == oldestFirst) {
                break;
            }
            if (sharesModels(w, j)) {
                coreOrder.add(waiting(w));
                oldest.add(w);
            }
        }
        double mine = sizeKey(j);
        for (Job w : byArea) {
            if (sizeKey(w) > mine || (sizeKey(w) == mine && w.submitS() > j.submitS())) {
                break;
            }
            if (!oldest.contains(w) && sharesModels(w, j)) {
                coreOrder.add(waiting(w));
            }
        }
        Instant now = instant(t);
        double pooled = seconds(StartEstimate.earliest(capacity, holding, coreOrder, j.totalMilli(), now).orElse(null));
        answers.put(j.id(), new double[] {
                coreOrder.size() > NODE_PLAN_LIMIT ? pooled : seconds(onNodes(j, running, coreOrder, now)),
                seconds(StartEstimate.earliest(capacity, holding, fcfs, j.totalMilli(), now).orElse(null)),
                pooled});
        waiting(j, true);
    }

    /** As the service's {@code JobService.NODE_PLAN_LIMIT}: behind more jobs than this, the pooled estimate. */
    static final int NODE_PLAN_LIMIT = Integer.getInteger("myriad.nodePlanLimit", 250);

    /** The core-ordered queue played on the job's models' nodes one by one ({@link StartEstimate#earliestOnNodes}). */
    private Instant onNodes(Job j, Collection<Replay.Run> running, List<StartEstimate.Waiting> ahead, Instant now) {
        int[] index = new int[topology.nodes()];
        List<StartEstimate.Need> nodes = new ArrayList<>();
        for (int n = 0; n < topology.nodes(); n++) {
            index[n] = -1;
            if (topology.cards(n) > 0 && j.allows(topology.model(n))) {
                index[n] = nodes.size();
                nodes.add(StartEstimate.Need.cards(topology.cards(n) * 1000L));
            }
        }
        List<StartEstimate.Placed> placed = new ArrayList<>();
        for (Replay.Run r : running) {
            Placement p = r.placement();
            int[] at = new int[p.nodes().length];
            StartEstimate.Need[] holds = new StartEstimate.Need[p.nodes().length];
            int k = 0;
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                if (index[n] >= 0 && p.cards()[i].length > 0) {
                    at[k] = index[n];
                    holds[k++] = StartEstimate.Need.cards((long) p.cards()[i].length * p.milli());
                }
            }
            if (k > 0) {
                placed.add(new StartEstimate.Placed(Arrays.copyOf(at, k), Arrays.copyOf(holds, k), instant(r.end())));
            }
        }
        return StartEstimate.earliestOnNodes(nodes, placed, ahead, waiting(j), now).orElse(null);
    }

    /** The job waits (submitted, or back after a preemption) or no longer does (started, rejected). */
    void waiting(Job j, boolean waits) {
        long drain = Double.isInfinite(j.durationS()) ? 0 : j.totalMilli() * Math.round(j.durationS());
        if (waits && j.totalMilli() > 0) {
            if (bySubmission.add(j)) {
                queuedMilliSeconds += drain;
            }
            byArea.add(j);
        } else {
            if (bySubmission.remove(j)) {
                queuedMilliSeconds -= drain;
            }
            byArea.remove(j);
        }
    }

    void started(Job j, double t) {
        firstStart.putIfAbsent(j.id(), t);
        waiting(j, false);
    }

    List<Row> rows(List<Job> jobs) {
        List<Row> rows = new ArrayList<>();
        for (Job j : jobs) {
            double[] a = answers.get(j.id());
            if (a != null) {
                rows.add(new Row(j, a[0], a[1], a[2], firstStart.getOrDefault(j.id(), Double.NaN)));
            }
        }
        return rows;
    }

    /** The figures: for each estimate, over the jobs that started and over those that waited more than a minute. */
    static Map<String, Object> figures(List<Row> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Row> started = rows.stream().filter(r -> !Double.isNaN(r.started())).toList();
        List<Row> waited = started.stream().filter(r -> r.started() - r.job().submitS() > 60).toList();
        m.put("estimate_jobs", started.size());
        m.put("estimate_jobs_waited", waited.size());
        errors(m, "estimate_", started, Row::estimate);
        errors(m, "estimate_waited_", waited, Row::estimate);
        errors(m, "estimate_fcfs_", started, Row::fcfs);
        errors(m, "estimate_fcfs_waited_", waited, Row::fcfs);
        errors(m, "estimate_pooled_", started, Row::pooled);
        errors(m, "estimate_pooled_waited_", waited, Row::pooled);
        return m;
    }

    /**
     * Error = real start - estimate (positive: the job started later than told). The median and the 10th and 90th
     * percentiles, the share within a minute and within an hour, and the share that started no later than told.
     */
    private static void errors(Map<String, Object> m, String prefix, List<Row> rows, ToDoubleFunction<Row> answer) {
        double[] e = rows.stream().filter(r -> !Double.isNaN(answer.applyAsDouble(r)))
                .mapToDouble(r -> r.started() - answer.applyAsDouble(r)).sorted().toArray();
        m.put(prefix + "error_p10_s", Metrics.round(Metrics.percentile(e, 10)));
        m.put(prefix + "error_p50_s", Metrics.round(Metrics.percentile(e, 50)));
        m.put(prefix + "error_p90_s", Metrics.round(Metrics.percentile(e, 90)));
        m.put(prefix + "within_1min", share(e, x -> Math.abs(x) <= 60));
        m.put(prefix + "within_1h", share(e, x -> Math.abs(x) <= 3600));
        m.put(prefix + "no_later", share(e, x -> x <= 1));
    }

    private static Double share(double[] e, DoublePredicate p) {
        return e.length == 0 ? null : Metrics.round(Arrays.stream(e).filter(p).count() / (double) e.length);
    }

    static void write(Path path, List<Row> rows, List<String> jobIds) {
        try (Writer w = Files.newBufferedWriter(path)) {
            w.write("job_id,submit_s,estimate_s,fcfs_estimate_s,pooled_estimate_s,start_s\n");
            for (Row r : rows) {
                w.write(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s%n", jobIds.get(r.job().id()),
                        num(r.job().submitS()), num(r.estimate()), num(r.fcfs()), num(r.pooled()), num(r.started())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static boolean sharesModels(Job a, Job b) {
        return (a.allowedModels() & b.allowedModels()) != 0;
    }

    private static StartEstimate.Waiting waiting(Job w) {
        return new StartEstimate.Waiting(w.totalMilli(), runSeconds(w));
    }

    private static Instant instant(double s) {
        return Instant.EPOCH.plusMillis(Math.round(Math.min(s, 2 * FOREVER_S) * 1000));
    }

    private static double seconds(Instant i) {
        return i == null ? Double.NaN : i.toEpochMilli() / 1000.0;
    }
}
