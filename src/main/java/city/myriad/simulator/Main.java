package city.myriad.simulator;

import city.myriad.allocation.BestFitPolicy;
import city.myriad.allocation.FairShare;
import city.myriad.allocation.FgdPolicy;
import city.myriad.allocation.FirstFitPolicy;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.PlacementPolicy;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/myriad-sim}: replays workloads through the allocation core.
 * <pre>
 *   replay --nodes N.csv --jobs J.csv [--policy default|fifo-firstfit|easy-bestfit|best-fit|first-fit|fgd]
 *          [--static] [--compress K] [--weights T=W,...] [--aging-h H|none] [--aging-cap-h H|none] [--area-half-life-h H|none] [--scan-limit N]
 *          [--busy-scan-limit N] [--order submission|smallest-area] [--heads K] [--whole-node-reservation-h H|none] [--out placements.csv] [--plot FILE.svg] [--no-progress]
 *          [--estimates estimates.csv] (the service's start estimates at each submission against the real starts)
 *   bounds --nodes N.csv --jobs J.csv [--compress K] (offered load, utilization bounds, the pooled reference's waits)
 *   generate --nodes N.csv --out J.csv [--jobs 10000] [--load 0.85] [--static-ratio 1.3] [--seed 1] [--mix training|sharing|fgd] [--sharing S] [--multi M] [--bound B] [--cpu LOW-HIGH] [--slices MILLI:WEIGHT,...]
 * </pre>
 */
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0) {
            return usage("a command is needed");
        }
        try {
            Map<String, String> o = options(args);
            known(args[0], o);
            return switch (args[0]) {
                case "replay" -> replay(o);
                case "bounds" -> bounds(o);
                case "generate" -> Generate.run(o);
                default -> usage("unknown command " + args[0]);
            };
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
    }

    static PlacementPolicy placement(String policy) {
        return switch (policy) {
            case "default" -> new FragmentationAwarePolicy();
            case "fifo-firstfit", "first-fit" -> new FirstFitPolicy();
            case "easy-bestfit", "best-fit" -> new BestFitPolicy();
            case "fgd" -> new FgdPolicy();
            default -> throw new IllegalArgumentException("unknown policy " + policy);
        };
    }

    static SchedulerOptions queue(String policy) {
        return switch (policy) {
            case "default" -> SchedulerOptions.myriad();
            case "easy-bestfit" -> SchedulerOptions.easy();
            default -> SchedulerOptions.fifo();
        };
    }

    private static int replay(Map<String, String> o) {
        Topology t = TraceFiles.readNodes(Path.of(required(o, "nodes")));
        double compress = Double.parseDouble(o.getOrDefault("compress", "1"));
        TraceFiles.Workload w = TraceFiles.readJobs(Path.of(required(o, "jobs")), t, compress);
        String policy = o.getOrDefault("policy", "default");
        Progress progress = new Progress(System.err, !o.containsKey("no-progress"));
        long t0 = System.nanoTime();
        Map<String, Object> figures;
        java.util.List<TraceFiles.Segment> segments;
        if (o.containsKey("static")) {
            StaticRun.Result r = StaticRun.run(t, w.jobs(), placement(policy), progress);
            segments = r.segments();
            figures = Metrics.statics(w.jobs(), r, (System.nanoTime() - t0) / 1e9);
        } else {
            SchedulerOptions queue = queue(policy);
            if (o.containsKey("scan-limit")) {
                queue = queue.withScanLimit(Integer.parseInt(o.get("scan-limit")));
            }
            if (o.containsKey("busy-scan-limit")) {
                queue = queue.withScanLimits(queue.scanLimit(), Integer.parseInt(o.get("busy-scan-limit")));
            }
            if (o.containsKey("aging-h")) {
                queue = queue.withAging("none".equals(o.get("aging-h")) ? Double.POSITIVE_INFINITY
                        : Double.parseDouble(o.get("aging-h")) * 3600);
            }
            if (o.containsKey("aging-cap-h")) {
                queue = queue.withAgingCap("none".equals(o.get("aging-cap-h")) ? 0
                        : Double.parseDouble(o.get("aging-cap-h")) * 3600);
            }
            if (o.containsKey("area-half-life-h")) {
                queue = queue.withAreaHalfLife("none".equals(o.get("area-half-life-h")) ? Double.POSITIVE_INFINITY
                        : Double.parseDouble(o.get("area-half-life-h")) * 3600);
            }
            if (o.containsKey("heads")) {
                queue = queue.withHeads(Integer.parseInt(o.get("heads")));
            }
            if (o.containsKey("whole-node-reservation-h")) {
                queue = queue.withWholeNodeReservation("none".equals(o.get("whole-node-reservation-h"))
                        ? Double.POSITIVE_INFINITY : Double.parseDouble(o.get("whole-node-reservation-h")) * 3600);
            }
            if (o.containsKey("order")) {
                queue = queue.withOrder(SchedulerOptions.Order.valueOf(o.get("order").toUpperCase().replace('-', '_')));
            }
            FairShare shares = weights(o.get("weights"), w.tenants(), new FairShare(queue.fairShareHalfLifeS()));
            Replay replay = new Replay(t, w.jobs(), placement(policy), queue, shares);
            StartEstimates estimates = o.containsKey("estimates") ? new StartEstimates(t, queue) : null;
            Replay.Result r = (estimates == null ? replay : replay.withEstimates(estimates)).run(progress);
            segments = r.segments();
            figures = Metrics.dynamic(t, w.jobs(), r, (System.nanoTime() - t0) / 1e9);
            if (estimates != null) {
                List<StartEstimates.Row> rows = estimates.rows(w.jobs());
                figures.putAll(StartEstimates.figures(rows));
                StartEstimates.write(Path.of(o.get("estimates")), rows, w.jobIds());
            }
            if (o.containsKey("plot")) {
                Plot.write(Path.of(o.get("plot")), "Myriad replay: " + policy, r.samples());
            }
        }
        if (o.containsKey("out")) {
            TraceFiles.writePlacements(Path.of(o.get("out")), t, w, segments);
        }
        if (o.containsKey("out-jobs")) {
            writeCompressedJobs(Path.of(required(o, "jobs")), compress, Path.of(o.get("out-jobs")));
        }
        System.out.println(Metrics.json(figures));
        return 0;
    }

    /** Fair-share weights from {@code --weights tenantA=2,tenantB=0.5}; unnamed tenants weigh 1. */
    static FairShare weights(String spec, java.util.List<String> tenants, FairShare shares) {
        if (spec == null || spec.isBlank()) {
            return shares;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            int tenant = tenants.indexOf(kv[0].trim());
            if (kv.length != 2 || tenant < 0) {
                throw new IllegalArgumentException("--weights: unknown tenant or missing weight in '" + part + "'");
            }
            try {
                shares.weight(tenant, Double.parseDouble(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--weights: not a number in '" + part + "'");
            }
        }
        return shares;
    }

    private static int bounds(Map<String, String> o) {
        Topology t = TraceFiles.readNodes(Path.of(required(o, "nodes")));
        double compress = Double.parseDouble(o.getOrDefault("compress", "1"));
        TraceFiles.Workload w = TraceFiles.readJobs(Path.of(required(o, "jobs")), t, compress);
        double work = 0;
        double first = Double.MAX_VALUE;
        double last = 0;
        double longest = 0;
        for (Job j : w.jobs()) {
            first = Math.min(first, j.submitS());
            last = Math.max(last, j.submitS());
            if (!Double.isInfinite(j.durationS())) {
                work += j.totalMilli() / 1000.0 * j.durationS();
                longest = Math.max(longest, j.submitS() + j.durationS());
            }
        }
        // In the submission window a job can run at most from its submission to the window's end.
        double windowWork = 0;
        for (Job j : w.jobs()) {
            windowWork += j.totalMilli() / 1000.0 * Math.min(j.durationS(), last - j.submitS());
        }
        double span = last - first;
        double load = span <= 0 ? Double.NaN : work / (t.totalCards() * span);
        // No schedule ends before the last job could end, nor before all work fits on all cards.
        double makespanLower = Math.max(longest - first, work / t.totalCards());
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("jobs", w.jobs().size());
        m.put("cards", t.totalCards());
        m.put("offered_load", Metrics.round(load));
        m.put("card_seconds", Metrics.round(work));
        m.put("makespan_lower_bound_s", Metrics.round(makespanLower));
        m.put("utilization_upper_bound", Metrics.round(Math.min(1, work / (t.totalCards() * makespanLower))));
        m.put("utilization_window_upper_bound", span <= 0 ? null : Metrics.round(Math.min(1, windowWork / (t.totalCards() * span))));
        // What the queue's mean wait is judged against beside EASY's (PooledSchedule): all cards in one pool, the
        // smallest area that fits first; not a bound.
        PooledSchedule.Result pooled = PooledSchedule.run(w.jobs(), t.totalCards() * 1000L);
        double[] waits = pooled.waits().clone();
        java.util.Arrays.sort(waits);
        m.put("pooled_smallest_area_mean_wait_s", waits.length == 0 ? null
                : Metrics.round(java.util.Arrays.stream(waits).sum() / waits.length));
        m.put("pooled_smallest_area_p99_wait_s", waits.length == 0 ? null : Metrics.round(Metrics.percentile(waits, 99)));
        System.out.println(Metrics.json(m));
        return 0;
    }

    static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    /** The options each command reads: any other is a mistake (a misspelt option must not be ignored in silence). */
    private static final Map<String, java.util.Set<String>> KNOWN = Map.of(
            "replay", java.util.Set.of("nodes", "jobs", "compress", "policy", "static", "no-progress", "weights",
                    "aging-h", "aging-cap-h", "area-half-life-h", "scan-limit", "busy-scan-limit", "order", "heads", "whole-node-reservation-h", "out", "out-jobs", "plot",
                    "estimates"),
            "bounds", java.util.Set.of("nodes", "jobs", "compress"),
            "generate", java.util.Set.of("nodes", "out", "jobs", "load", "static-ratio", "seed", "mix", "sharing",
                    "multi", "bound", "cpu", "slices"));

    static void known(String command, Map<String, String> o) {
        java.util.Set<String> known = KNOWN.get(command);
        if (known == null) {
            return;  // the command itself is reported unknown
        }
        for (String name : new java.util.TreeSet<>(o.keySet())) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " for " + command);
            }
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String name = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                o.put(name, args[++i]);
            } else {
                o.put(name, "true");
            }
        }
        return o;
    }

    /**
     * The jobs file as the replay saw it, submit times divided by the compression (in full precision), so that
     * {@code check.py} can check a compressed replay's placements against it.
     */
    private static void writeCompressedJobs(Path jobs, double compress, Path out) {
        CsvRows f = new CsvRows(jobs, "submit_s");
        int submit = f.column("submit_s");
        StringBuilder text = new StringBuilder();
        row(text, f.names(), i -> f.names().get(i));
        while (f.next()) {
            row(text, f.names(), i -> i == submit ? Double.toString(f.parseDouble(submit) / compress) : f.text(i));
        }
        try {
            java.nio.file.Files.writeString(out, text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void row(StringBuilder text, List<String> names, java.util.function.IntFunction<String> field) {
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                text.append(',');
            }
            TraceFiles.field(text, field.apply(i));
        }
        text.append('\n');
    }

    private static int usage(String problem) {
        System.err.println("myriad-sim: " + problem);
        System.err.println("""
                usage:
                  myriad-sim replay --nodes N.csv --jobs J.csv [--policy default|fifo-firstfit|easy-bestfit|best-fit|first-fit|fgd]
                                    [--static] [--compress K] [--weights T=W,...] [--aging-h H|none] [--aging-cap-h H|none] [--area-half-life-h H|none] [--scan-limit N]
                                    [--busy-scan-limit N] [--order submission|smallest-area] [--heads K] [--whole-node-reservation-h H|none]
                                    [--out placements.csv] [--out-jobs jobs-as-replayed.csv] [--plot FILE.svg] [--no-progress]
                                    [--estimates estimates.csv]   (dynamic replays: the service's start estimates against the starts)
                  myriad-sim bounds --nodes N.csv --jobs J.csv [--compress K]
                  myriad-sim generate --nodes N.csv --out J.csv [--jobs 10000] [--load 0.85] [--static-ratio 1.3] [--seed 1] [--mix training|sharing|fgd] [--sharing S] [--multi M] [--bound B] [--cpu LOW-HIGH] [--slices MILLI:WEIGHT,...]""");
        return 2;
    }
}
