package city.myriad.simulator;

import city.myriad.allocation.Job;
import city.myriad.allocation.Topology;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of a replay, computed from its segments the way check.py computes them. */
final class Metrics {

    private Metrics() {}

    static Map<String, Object> dynamic(Topology t, List<Job> jobs, Replay.Result r, double wallS) {
        double minSubmit = jobs.stream().mapToDouble(Job::submitS).min().orElse(0);
        double maxEnd = minSubmit;
        for (TraceFiles.Segment s : r.segments()) {
            maxEnd = Math.max(maxEnd, Double.isNaN(s.endS()) ? s.startS() : s.endS());
        }
        double makespan = maxEnd - minSubmit;
        double maxSubmit = jobs.stream().mapToDouble(Job::submitS).max().orElse(0);
        double busy = 0;
        double busyWindow = 0;
        double useful = 0;
        double[] finishStart = new double[jobs.size()];
        double[] finishEnd = new double[jobs.size()];
        Arrays.fill(finishStart, Double.NaN);
        for (TraceFiles.Segment s : r.segments()) {
            Job j = s.placement().job();
            double end = Double.isNaN(s.endS()) ? maxEnd : s.endS();
            busy += j.totalMilli() / 1000.0 * (end - s.startS());
            busyWindow += j.totalMilli() / 1000.0 * Math.max(0, Math.min(end, maxSubmit) - Math.max(s.startS(), minSubmit));
            if (!Double.isNaN(s.endS()) && s.endS() - s.startS() >= j.durationS() - 1e-6) {
                useful += j.totalMilli() / 1000.0 * (s.endS() - s.startS());
                finishStart[j.id()] = s.startS();
                finishEnd[j.id()] = s.endS();
            }
        }
        int n = 0;
        double[] waits = new double[jobs.size()];
        double jct = 0;
        double bsld = 0;
        double[] waitByClass = new double[2];
        int[] countByClass = new int[2];
        for (Job j : jobs) {
            if (Double.isNaN(finishStart[j.id()])) {
                continue;
            }
            waits[n++] = finishStart[j.id()] - j.submitS();
            waitByClass[j.preemptible() ? 1 : 0] += waits[n - 1];
            countByClass[j.preemptible() ? 1 : 0]++;
            double c = finishEnd[j.id()] - j.submitS();
            jct += c;
            bsld += Math.max(1, c / Math.max(j.durationS(), 10));
        }
        waits = Arrays.copyOf(waits, n);
        Arrays.sort(waits);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", jobs.size());
        m.put("placed", r.started() - r.preemptions());
        m.put("rejected", r.rejected());
        m.put("finished", n);
        m.put("preemptions", r.preemptions());
        // Without a finished job (or any run) there is no wait, completion or utilization to report: null, as
        // check.py reports them.
        m.put("utilization", makespan <= 0 ? null : round(busy / (t.totalCards() * makespan)));
        m.put("useful_utilization", makespan <= 0 ? null : round(useful / (t.totalCards() * makespan)));
        m.put("utilization_window", maxSubmit > minSubmit ? round(busyWindow / (t.totalCards() * (maxSubmit - minSubmit))) : null);
        m.put("makespan_s", round(makespan));
        m.put("mean_wait_s", n == 0 ? null : round(Arrays.stream(waits).average().orElse(0)));
        m.put("p50_wait_s", n == 0 ? null : round(percentile(waits, 50)));
        m.put("p95_wait_s", n == 0 ? null : round(percentile(waits, 95)));
        m.put("p99_wait_s", n == 0 ? null : round(percentile(waits, 99)));
        m.put("max_wait_s", n == 0 ? null : round(waits[n - 1]));
        m.put("mean_wait_s_on_demand", countByClass[0] == 0 ? null : round(waitByClass[0] / countByClass[0]));
        m.put("mean_wait_s_preemptible", countByClass[1] == 0 ? null : round(waitByClass[1] / countByClass[1]));
        m.put("mean_jct_s", n == 0 ? null : round(jct / n));
        m.put("mean_bounded_slowdown", n == 0 ? null : round(bsld / n));
        m.put("max_pending", r.maxPending());
        decisions(m, r.decisionNanos());
        m.put("wall_s", round(wallS));
        return m;
    }

    static Map<String, Object> statics(List<Job> jobs, StaticRun.Result r, double wallS) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", jobs.size());
        m.put("placed", r.placed());
        m.put("rejected", r.rejected());
        m.put("rejected_would_strand", r.wouldStrand());
        m.put("finished", 0);
        m.put("preemptions", 0);
        m.put("utilization", round(r.finalRatio()));
        // Static protocol: jobs never end and are placed at arrival or never, so there is no makespan, no wait
        // and no completion time to report.
        m.put("makespan_s", 0.0);
        m.put("mean_wait_s", 0.0);
        m.put("p50_wait_s", 0.0);
        m.put("p95_wait_s", 0.0);
        m.put("p99_wait_s", 0.0);
        m.put("mean_jct_s", null);
        m.put("mean_bounded_slowdown", null);
        m.put("alloc_ratio_100", round(r.allocRatio100()));
        m.put("alloc_ratio_130", round(r.allocRatio130()));
        decisions(m, r.decisionNanos());
        m.put("wall_s", round(wallS));
        return m;
    }

    private static void decisions(Map<String, Object> m, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        m.put("decisions", sorted.length);
        m.put("decision_ns_p50", sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.50)]);
        m.put("decision_ns_p99", sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)]);
    }

    /** Linear interpolation between closest ranks (numpy's default), as check.py does. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('"').append(k).append("\": ");
            b.append(v instanceof Double d ? (Double.isFinite(d) ? String.format(Locale.ROOT, "%s", d) : "null") : v == null ? "null" : v);
        });
        return b.append('}').toString();
    }
}
