package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Decision;
import city.myriad.allocation.FairShare;
import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The scheduler driven as the service will drive it, not as the replay does: jobs end early (failures,
 * cancellations), tenants withdraw pending jobs, and the service restarts and rebuilds the scheduler with
 * {@code resume}. A shadow model of the cluster checks every decision: a job starts only while pending and only
 * once, never beyond any card, CPU or memory, on allowed models, on one node when it fits one; only running
 * preemptible jobs are preempted, and only for non-preemptible ones; the counts agree; and when everything has
 * ended nothing is left allocated.
 */
class SchedulerApiPropertiesTest {

    @Property(tries = 40)
    void every_decision_is_consistent_whatever_the_service_does(@ForAll("seeds") long seed,
            @ForAll @IntRange(min = 0, max = 3) int policy, @ForAll @IntRange(min = 0, max = 2) int queue) {
        SplittableRandom r = new SplittableRandom(seed);
        Topology t = ReplayPropertiesTest.randomCluster(r);
        List<Job> jobs = ReplayPropertiesTest.randomJobs(r, t, 120, true);
        SchedulerOptions options = List.of(SchedulerOptions.fifo(), SchedulerOptions.easy(),
                SchedulerOptions.myriad().withAging(600)).get(queue);
        Shadow shadow = new Shadow(t);
        Scheduler s = new Scheduler(t, ReplayPropertiesTest.POLICIES.get(policy).get(), options);
        int next = 0;
        double now = 0;
        while (next < jobs.size() || !shadow.pending.isEmpty() || !shadow.running.isEmpty()) {
            now += 1 + r.nextInt(60);
            while (next < jobs.size() && jobs.get(next).submitS() <= now) {
                s.submit(jobs.get(next));
                shadow.pending.put(jobs.get(next).id(), jobs.get(next));
                next++;
            }
            // Jobs that reached their declared end finish; some others end early.
            for (Run run : new ArrayList<>(shadow.running.values())) {
                if (run.start + run.placement.job().durationS() <= now || r.nextInt(25) == 0) {
                    s.finished(run.placement.job());
                    shadow.end(run.placement.job());
                }
            }
            if (!shadow.pending.isEmpty() && r.nextInt(10) == 0) {
                Job gone = new ArrayList<>(shadow.pending.values()).get(r.nextInt(shadow.pending.size()));
                assertTrue(s.withdraw(gone));
                shadow.pending.remove(gone.id());
            }
            if (r.nextInt(30) == 0) {
                s = restart(t, ReplayPropertiesTest.POLICIES.get(policy).get(), options, shadow);
            }
            for (Decision d : s.cycle(now)) {
                shadow.apply(d, now);
            }
            assertEquals(shadow.pending.size(), s.pending(), "pending count at " + now);
            assertEquals(shadow.running.size(), s.running(), "running count at " + now);
            if (next == jobs.size() && shadow.running.isEmpty() && !shadow.pending.isEmpty()) {
                // Nothing runs and nothing will arrive: what is still pending can never start here.
                break;
            }
        }
        for (Run run : new ArrayList<>(shadow.running.values())) {
            s.finished(run.placement.job());
            shadow.end(run.placement.job());
        }
        assertEquals(0.0, s.allocationRatio(), 1e-12, "nothing left allocated");
    }

    private static Scheduler restart(Topology t, city.myriad.allocation.PlacementPolicy policy,
            SchedulerOptions options, Shadow shadow) {
        Scheduler s = new Scheduler(t, policy, options, new FairShare(options.fairShareHalfLifeS()));
        for (Run run : shadow.running.values()) {
            assertEquals(city.myriad.allocation.Resumption.RESUMED, s.resume(run.placement, run.start),
                    "what the service recorded resumes");
        }
        for (Job j : shadow.pending.values()) {
            s.submit(j);
        }
        return s;
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> seeds() {
        return net.jqwik.api.Arbitraries.longs();
    }

    record Run(Placement placement, double start) {}

    /** What the service would record: pending and running jobs, and the cards, CPU and memory they hold. */
    static final class Shadow {
        final Topology t;
        final Map<Integer, Job> pending = new LinkedHashMap<>();
        final Map<Integer, Run> running = new HashMap<>();
        final Map<Long, Integer> cardUse = new HashMap<>();
        final long[] cpu;
        final long[] memory;

        Shadow(Topology t) {
            this.t = t;
            this.cpu = new long[t.nodes()];
            this.memory = new long[t.nodes()];
        }

        void apply(Decision d, double now) {
            if (d instanceof Decision.Start start) {
                Placement p = start.placement();
                Job j = p.job();
                assertTrue(pending.containsKey(j.id()), "job " + j.id() + " starts only while pending");
                assertFalse(running.containsKey(j.id()), "job " + j.id() + " starts once");
                pending.remove(j.id());
                running.put(j.id(), new Run(p, now));
                hold(p, +1);
            } else if (d instanceof Decision.Preempt preempt) {
                Job victim = preempt.victim().job();
                assertTrue(victim.preemptible(), "only preemptible jobs are preempted");
                assertFalse(preempt.forJob().preemptible(), "only for non-preemptible work");
                assertTrue(running.containsKey(victim.id()), "the victim was running");
                end(victim);
                pending.put(victim.id(), victim);
            } else if (d instanceof Decision.Reject reject) {
                assertTrue(pending.remove(reject.job().id()) != null, "a rejected job was pending");
            }
        }

        void end(Job j) {
            Run run = running.remove(j.id());
            hold(run.placement(), -1);
        }

        private void hold(Placement p, int sign) {
            Job j = p.job();
            int cards = 0;
            if (j.gpus() > 0 && j.gpus() <= t.maxCardsOnOneNode(j.allowedModels())) {
                assertEquals(1, p.nodes().length, "job " + j.id() + " fits one node, so it runs on one");
            }
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                cpu[n] += sign * p.cpu()[i];
                memory[n] += sign * p.memory()[i];
                assertTrue(cpu[n] <= t.cpu(n) && memory[n] <= t.memory(n), "CPU and memory of node " + n);
                for (int c : p.cards()[i]) {
                    assertTrue(j.allows(t.model(n)), "job " + j.id() + " on an allowed model");
                    int used = cardUse.merge(((long) n << 32) | c, sign * p.milli(), Integer::sum);
                    assertTrue(used >= 0 && used <= 1000, "card " + c + " of node " + n + " holds " + used);
                    cards++;
                }
            }
            assertEquals(j.gpus(), cards, "a gang is whole");
        }
    }
}
