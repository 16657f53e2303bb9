package city.myriad.simulator;

import city.myriad.allocation.Topology;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Synthetic workloads of a realistic shape for a given cluster file: heavy-tailed (log-normal) run times,
 * power-of-two gangs, fractional inference slices, model constraints drawn from the cluster's models, CPU and
 * memory in proportion to the cards, a daily cycle of arrivals, tenants of skewed (Zipf) size, priorities and a
 * spot (preemptible) share. Deterministic for a seed. With {@code --static-ratio R}: no run times, jobs until the
 * requests reach R times the cluster's cards (the static-packing protocol).
 */
final class Generate {

    static final int[] FRACTIONS = {100, 200, 250, 300, 400, 500, 600, 700, 800};
    static final int TENANTS = 8;
    /** Share of CPU-only jobs (data preparation, evaluation): they compete for the CPU and memory of card nodes. */
    static final double CPU_ONLY = 0.03;
    static final double DAY_S = 86_400;
    static final double DAILY_SWING = 0.5;
    static final double PEAK_SHIFT_S = 8 * 3600;

    /**
     * The mix of job shapes: the shares of CPU-only jobs, slices of a card, one card, 2, 4 and 8 cards and 16-64-card
     * gangs (summing to 1); the share bound to one card model; the spread of CPU and memory per card, as a multiple of
     * a card's share of its node, from {@code cpuLow} to {@code cpuLow + cpuSpread}; and the sizes of slices (in
     * milli-cards) with their weights.
     */
    record Mix(String name, double cpuOnly, double slices, double one, double two, double four, double eight,
            double gangs, double modelBound, double cpuLow, double cpuSpread, int[] sliceMilli, double[] sliceWeight) {

        /** Training-heavy: gangs of every size, many jobs bound to a model. */
        static final Mix TRAINING = new Mix("training", CPU_ONLY, 0.32, 0.37, 0.12, 0.08, 0.055, 0.025, 0.4, 0.3, 1.4,
                FRACTIONS, null);

        /**
         * GPU sharing with CPU-heavy tasks, so that CPU and slices strand cards: about 13% CPU-only tasks, 38%
         * slices, 47% one card, a few multi-card tasks, no gangs across nodes; slices of 10-80% of a card, evenly.
         */
        static final Mix SHARING = new Mix("sharing", 0.13, 0.38, 0.47, 0.01, 0.005, 0.005, 0, 0.2, 0.5, 2.5,
                FRACTIONS, null);

        /**
         * The task classes of the FGD paper's production trace (Weng et al., USENIX ATC '23: 13% CPU-only tasks, 38%
         * GPU-sharing, 47% one card, about 2% multi-card, none across nodes; few bound to a card model) with slices
         * of 5-90% of a card, most at or below half, and CPU-heavy tasks. {@link #withSharing}, {@link #withMulti}
         * and {@link #withBound} give the paper's sweeps (shares of GPU-sharing, multi-card and model-bound tasks).
         */
        static final Mix FGD = new Mix("fgd", 0.13, 0.38, 0.47, 0.01, 0.005, 0.005, 0, 0.05, 0.5, 2.5,
                new int[] {50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900},
                new double[] {4, 10, 4, 10, 10, 8, 8, 20, 6, 6, 8, 6});

        static Mix named(String name) {
            return switch (name) {
                case "training" -> TRAINING;
                case "sharing" -> SHARING;
                case "fgd" -> FGD;
                default -> throw new IllegalArgumentException("unknown mix " + name + " (training, sharing or fgd)");
            };
        }

        double gpuTasks() {
            return 1 - cpuOnly;
        }

        double multi() {
            return two + four + eight + gangs;
        }

        /** Slices make {@code share} of the GPU tasks; the whole-card tasks keep their proportions among themselves. */
        Mix withSharing(double share) {
            double whole = gpuTasks() * (1 - share) / (one + multi());
            return new Mix(name + "-sharing" + pct(share), cpuOnly, gpuTasks() * share, one * whole, two * whole,
                    four * whole, eight * whole, gangs * whole, modelBound, cpuLow, cpuSpread, sliceMilli, sliceWeight);
        }

        /**
         * Multi-card tasks make {@code share} of the GPU tasks, in this mix's proportions of 2, 4 and 8 cards and gangs
         * (half 2 cards, a quarter each 4 and 8 if it has none); slices and one-card tasks keep their proportions.
         */
        Mix withMulti(double share) {
            double single = gpuTasks() * (1 - share) / (slices + one);
            double m = gpuTasks() * share / (multi() > 0 ? multi() : 1);
            boolean none = multi() == 0;
            return new Mix(name + "-multi" + pct(share), cpuOnly, slices * single, one * single,
                    (none ? 0.5 : two) * m, (none ? 0.25 : four) * m, (none ? 0.25 : eight) * m, gangs * m,
                    modelBound, cpuLow, cpuSpread, sliceMilli, sliceWeight);
        }

        /**
         * CPU and memory per task from {@code low} to {@code high} times its cards' share of its node (evenly): how
         * heavy the tasks are on CPU decides how many cards CPU strands.
         */
        Mix withCpu(double low, double high) {
            if (!(low >= 0 && high >= low)) {
                throw new IllegalArgumentException("--cpu wants LOW-HIGH with 0 <= LOW <= HIGH, e.g. 0.3-1.7");
            }
            return new Mix(name + "-cpu" + pct(low) + "-" + pct(high), cpuOnly, slices, one, two, four, eight, gangs,
                    modelBound, low, high - low, sliceMilli, sliceWeight);
        }

        /**
         * Slices of the sizes and weights given as {@code MILLI:WEIGHT,...} (e.g. {@code 250:1,500:3,900:1}): how
         * the slices' sizes combine on a card decides how much of the cards' shares stays unusable.
         */
        Mix withSlices(String spec) {
            String[] parts = spec.split(",");
            int[] milli = new int[parts.length];
            double[] weight = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String[] mw = parts[i].split(":", 2);
                try {
                    milli[i] = Integer.parseInt(mw[0].trim());
                    weight[i] = mw.length == 2 ? Double.parseDouble(mw[1].trim()) : 1;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--slices wants MILLI:WEIGHT,..., e.g. 250:1,500:3: " + spec);
                }
                if (milli[i] < 1 || milli[i] >= Topology.MILLI_PER_CARD || !(weight[i] > 0)) {
                    throw new IllegalArgumentException(
                            "--slices: a slice is 1-999 milli-cards with a positive weight, not " + parts[i]);
                }
            }
            return new Mix(name + "-slices", cpuOnly, slices, one, two, four, eight, gangs, modelBound, cpuLow,
                    cpuSpread, milli, weight);
        }

        /** A share {@code share} of the jobs is bound to one card model. */
        Mix withBound(double share) {
            return new Mix(name + "-bound" + pct(share), cpuOnly, slices, one, two, four, eight, gangs, share, cpuLow,
                    cpuSpread, sliceMilli, sliceWeight);
        }

        private static String pct(double share) {
            return Long.toString(Math.round(share * 100));
        }

        /** A slice's size: from {@code sliceMilli} by weight, evenly when there are no weights. */
        int sliceMilli(SplittableRandom random) {
            if (sliceWeight == null) {
                return sliceMilli[random.nextInt(sliceMilli.length)];
            }
            double total = 0;
            for (double w : sliceWeight) {
                total += w;
            }
            return sliceMilli[pick(sliceWeight, total, random)];
        }
    }

    private Generate() {}

    static int run(Map<String, String> o) {
        Topology t = TraceFiles.readNodes(Path.of(Main.required(o, "nodes")));
        Path out = Path.of(Main.required(o, "out"));
        int jobs = Integer.parseInt(o.getOrDefault("jobs", "10000"));
        double load = Double.parseDouble(o.getOrDefault("load", "0.85"));
        double staticRatio = o.containsKey("static-ratio") ? Double.parseDouble(o.get("static-ratio")) : Double.NaN;
        SplittableRandom random = new SplittableRandom(Long.parseLong(o.getOrDefault("seed", "1")));
        Mix mix = Mix.named(o.getOrDefault("mix", "training"));
        if (o.containsKey("sharing")) {
            mix = mix.withSharing(Double.parseDouble(o.get("sharing")));
        }
        if (o.containsKey("multi")) {
            mix = mix.withMulti(Double.parseDouble(o.get("multi")));
        }
        if (o.containsKey("bound")) {
            mix = mix.withBound(Double.parseDouble(o.get("bound")));
        }
        if (o.containsKey("slices")) {
            mix = mix.withSlices(o.get("slices"));
        }
        if (o.containsKey("cpu")) {
            String[] range = o.get("cpu").split("-", 2);
            if (range.length != 2) {
                throw new IllegalArgumentException("--cpu wants LOW-HIGH, e.g. 0.3-1.7");
            }
            mix = mix.withCpu(Double.parseDouble(range[0]), Double.parseDouble(range[1]));
        }
        write(t, out, jobs, load, staticRatio, random, mix);
        return 0;
    }

    static void write(Topology t, Path out, int count, double load, double staticRatio, SplittableRandom random) {
        write(t, out, count, load, staticRatio, random, Mix.TRAINING);
    }

    static void write(Topology t, Path out, int count, double load, double staticRatio, SplittableRandom random,
            Mix mix) {
        boolean statics = !Double.isNaN(staticRatio);
        int models = t.models().size();
        long[] cardsOfModel = new long[models];
        long[] minCpu = new long[models];
        long[] minMem = new long[models];
        int[] maxCards = new int[models];
        java.util.Arrays.fill(minCpu, Long.MAX_VALUE);
        java.util.Arrays.fill(minMem, Long.MAX_VALUE);
        for (int n = 0; n < t.nodes(); n++) {
            if (t.cards(n) == 0) {
                continue;
            }
            int m = t.model(n);
            cardsOfModel[m] += t.cards(n);
            minCpu[m] = Math.min(minCpu[m], t.cpu(n) / t.cards(n));
            minMem[m] = Math.min(minMem[m], t.memory(n) / t.cards(n));
            maxCards[m] = Math.max(maxCards[m], t.cards(n));
        }
        long minNodeCpu = Long.MAX_VALUE;
        long minNodeMem = Long.MAX_VALUE;
        for (int node = 0; node < t.nodes(); node++) {
            minNodeCpu = Math.min(minNodeCpu, t.cpu(node));
            minNodeMem = Math.min(minNodeMem, t.memory(node));
        }
        long allCpu = Long.MAX_VALUE;
        long allMem = Long.MAX_VALUE;
        for (int m = 0; m < models; m++) {
            allCpu = Math.min(allCpu, minCpu[m]);
            allMem = Math.min(allMem, minMem[m]);
        }
        double[] tenantWeight = new double[TENANTS];
        double sum = 0;
        for (int i = 0; i < TENANTS; i++) {
            tenantWeight[i] = 1.0 / (i + 1);
            sum += tenantWeight[i];
        }
        long requestMilli = 0;
        long targetMilli = statics ? (long) (staticRatio * t.totalCards() * 1000) : Long.MAX_VALUE;
        int n = 0;
        String[] lines = new String[count];
        double work = 0;
        for (; n < count && requestMilli < targetMilli; n++) {
            double r = random.nextDouble();
            int gpus;
            int milli = 1000;
            if (r < mix.cpuOnly()) {
                // gpu_milli stays 1000: FORMAT.md allows a share below 1000 only with gpus = 1.
                gpus = 0;
            } else if (r < mix.cpuOnly() + mix.slices()) {
                gpus = 1;
                milli = mix.sliceMilli(random);
            } else if (r < mix.cpuOnly() + mix.slices() + mix.one()) {
                gpus = 1;
            } else if (r < mix.cpuOnly() + mix.slices() + mix.one() + mix.two()) {
                gpus = 2;
            } else if (r < mix.cpuOnly() + mix.slices() + mix.one() + mix.two() + mix.four()) {
                gpus = 4;
            } else if (r < 1 - mix.gangs()) {
                gpus = 8;
            } else {
                gpus = 16 << random.nextInt(3);
            }
            int model = -1;
            String allowed = "";
            if (models > 0 && random.nextDouble() < mix.modelBound()) {
                model = pick(cardsOfModel, random);
                allowed = t.models().get(model);
                if (gpus > maxCards[model] && gpus <= 8) {
                    gpus = Integer.highestOneBit(maxCards[model]);
                }
            }
            if (gpus == 0) {
                // Up to half of the smallest node's CPU and memory, so that every CPU-only job fits any node.
                long cpu = (long) (minNodeCpu * (0.05 + 0.45 * random.nextDouble()));
                long mem = (long) (minNodeMem * (0.05 + 0.45 * random.nextDouble()));
                double duration = Math.min(7 * 86400, Math.max(30, Math.exp(Math.log(1800) + 1.8 * gaussian(random))));
                int tenant = pick(tenantWeight, sum, random);
                lines[n] = String.format(Locale.ROOT, "g%06d,t%d,%%s,%s,0,1000,,%d,%d,0,%d", n, tenant,
                        statics ? "" : TraceFiles.fmt(Math.round(duration)), cpu, mem, random.nextDouble() < 0.25 ? 1 : 0);
                continue;
            }
            long cpuPerCard = model >= 0 ? minCpu[model] : allCpu;
            long memPerCard = model >= 0 ? minMem[model] : allMem;
            // CPU and memory in proportion to the cards, from 0.3 to 1.7 times a card's share of its node: CPU-heavy
            // jobs strand cards, as in production traces; capped so that a one-node job fits its smallest node.
            double share = milli / 1000.0 * (mix.cpuLow() + mix.cpuSpread() * random.nextDouble());
            int nodeCards = model >= 0 ? maxCards[model] : 1;
            long cpu = Math.min((long) (cpuPerCard * gpus * share), cpuPerCard * Math.max(gpus, nodeCards));
            long mem = Math.min((long) (memPerCard * gpus * share), memPerCard * Math.max(gpus, nodeCards));
            double duration = Math.min(7 * 86400, Math.max(30, Math.exp(Math.log(1800) + 1.8 * gaussian(random))));
            int tenant = pick(tenantWeight, sum, random);
            int priority = random.nextDouble() < 0.1 ? 1 : 0;
            int preemptible = priority == 0 && random.nextDouble() < 0.25 ? 1 : 0;
            requestMilli += (long) gpus * milli;
            work += gpus * milli / 1000.0 * duration;
            lines[n] = String.format(Locale.ROOT, "g%06d,t%d,%%s,%s,%d,%d,%s,%d,%d,%d,%d", n, tenant,
                    statics ? "" : TraceFiles.fmt(Math.round(duration)), gpus, milli, allowed, cpu, mem, priority, preemptible);
        }
        // Arrivals: a Poisson process of rate 1 + 0.5 sin(2π (t - 8 h) / day) in simulated seconds (peak at 14:00, trough
        // at 02:00), conditioned on the first arrival at 0 and the last at the span, so that the offered load is the
        // one asked and the cycle keeps a 24-hour period whatever the span.
        double span = statics ? 0 : work / (t.totalCards() * load);
        double[] arrival = new double[n];
        double clock = 0;
        for (int i = 0; i < n; i++) {
            clock += -Math.log(1 - random.nextDouble());
            arrival[i] = clock;
        }
        double first = n > 0 ? arrival[0] : 0;
        double width = n > 1 ? arrival[n - 1] - first : 0;
        double total = cumulativeRate(span);
        for (int i = 0; i < n; i++) {
            arrival[i] = width > 0 ? inverseCumulativeRate((arrival[i] - first) / width * total, span) : 0;
        }
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            w.write("job_id,tenant,submit_s,duration_s,gpus,gpu_milli,gpu_models,cpu_milli,memory_mib,priority,preemptible\n");
            for (int i = 0; i < n; i++) {
                w.write(String.format(Locale.ROOT, lines[i], statics ? "0" : TraceFiles.fmt(Math.round(arrival[i]))));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Expected arrivals in [0, t] at a mean rate of one per second: the integral of the daily rate. */
    static double cumulativeRate(double t) {
        double w = 2 * Math.PI / DAY_S;
        return t + DAILY_SWING / w * (Math.cos(w * -PEAK_SHIFT_S) - Math.cos(w * (t - PEAK_SHIFT_S)));
    }

    /** The time at which {@link #cumulativeRate} reaches {@code c}, within [0, span]; the rate is positive, so by bisection. */
    static double inverseCumulativeRate(double c, double span) {
        double lo = 0;
        double hi = span;
        for (int k = 0; k < 60 && hi - lo > 1e-6; k++) {
            double mid = (lo + hi) / 2;
            if (cumulativeRate(mid) < c) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static int pick(long[] weights, SplittableRandom r) {
        long total = 0;
        for (long x : weights) {
            total += x;
        }
        long v = (long) (r.nextDouble() * total);
        for (int i = 0; i < weights.length; i++) {
            v -= weights[i];
            if (v < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static int pick(double[] weights, double total, SplittableRandom r) {
        double v = r.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            v -= weights[i];
            if (v < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
