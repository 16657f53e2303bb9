package city.myriad.simulator;

import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of data/traces/check.py, in Java, over a replay's segments: no card, CPU or memory over-allocated
 * at any instant, gangs whole, models respected, single-node jobs on one node, no start before submission, no
 * segment longer than the job, non-preemptible jobs never stopped early. Returns the violations found.
 */
final class PlacementsValidator {

    private PlacementsValidator() {}

    static List<String> violations(Topology t, List<Job> jobs, List<TraceFiles.Segment> segments) {
        List<String> v = new ArrayList<>();
        record Event(double time, int sign, Placement p) {}
        List<Event> events = new ArrayList<>();
        for (TraceFiles.Segment s : segments) {
            Placement p = s.placement();
            Job j = p.job();
            int cards = 0;
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                cards += p.cards()[i].length;
                if (j.gpus() > 0 && !j.allows(t.model(n))) {
                    v.add("model: job " + j.id() + " on node " + n);
                }
                for (int c : p.cards()[i]) {
                    if (c < 0 || c >= t.cards(n)) {
                        v.add("card_index: job " + j.id());
                    }
                }
            }
            if (cards != j.gpus()) {
                v.add("card_count: job " + j.id() + " has " + cards + " cards, wants " + j.gpus());
            }
            if (p.nodes().length > 1 && j.gpus() <= Math.max(1, t.maxCardsOnOneNode(j.allowedModels()))) {
                v.add("split: job " + j.id());
            }
            if (s.startS() < j.submitS() - 1e-6) {
                v.add("early_start: job " + j.id());
            }
            if (!Double.isNaN(s.endS())) {
                if (s.endS() - s.startS() > j.durationS() + 1e-6) {
                    v.add("overrun: job " + j.id());
                }
                if (!j.preemptible() && s.endS() - s.startS() < j.durationS() - 1e-6) {
                    v.add("preempted_non_preemptible: job " + j.id());
                }
            }
            events.add(new Event(s.startS(), +1, p));
            if (!Double.isNaN(s.endS())) {
                events.add(new Event(s.endS(), -1, p));
            }
        }
        // Half-open intervals: at the same instant, ends free their share before starts take it.
        events.sort((a, b) -> a.time() != b.time() ? Double.compare(a.time(), b.time()) : Integer.compare(a.sign(), b.sign()));
        Map<Long, Integer> cardUse = new HashMap<>();
        long[] cpu = new long[t.nodes()];
        long[] mem = new long[t.nodes()];
        for (Event e : events) {
            Placement p = e.p();
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                for (int c : p.cards()[i]) {
                    long key = ((long) n << 16) | c;
                    int use = cardUse.merge(key, e.sign() * p.milli(), Integer::sum);
                    if (use > 1000) {
                        v.add("card_overalloc: node " + n + " card " + c + " at " + e.time());
                    }
                }
                cpu[n] += e.sign() * p.cpu()[i];
                mem[n] += e.sign() * p.memory()[i];
                if (cpu[n] > t.cpu(n)) {
                    v.add("cpu_overalloc: node " + n + " at " + e.time());
                }
                if (mem[n] > t.memory(n)) {
                    v.add("mem_overalloc: node " + n + " at " + e.time());
                }
            }
        }
        return v;
    }
}
