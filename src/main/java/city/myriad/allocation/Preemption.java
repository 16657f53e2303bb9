package city.myriad.allocation;

import java.util.ArrayList;
import java.util.List;

/**
 * Preemption: which preemptible running jobs to evict so that a non-preemptible job starts now, and whether that
 * pays. The candidate victims are the preemptible jobs running on each node ({@link PreemptibleJobs}). The
 * scheduler tells it what starts and ends ({@link #started}, {@link #ended}) and carries out a {@link Plan}; a head
 * that fits one node is decided here, a gang across nodes by {@link GangPreemption}, which tries victims as a
 * what-if through the scheduler ({@link WhatIf}) so that the policy places the gang on the cluster as it would be.
 * A head for which preemption did not pay is not tried again until capacity is released or spot work starts.
 */
final class Preemption {

    /** Takes a running job's cards away from the cluster and gives them back, as the scheduler does on an end. */
    interface WhatIf {
        void evict(RunningJob r);

        void restore(RunningJob r);
    }

    /** A preemption that pays: the victims, already evicted, and the head's placement on the cards they free. */
    record Plan(List<RunningJob> victims, Placement placement) {}

    private final Topology topology;
    private final ClusterState state;
    private final WhatIf whatIf;
    /** Counters that tell the memo whether anything it depends on changed. */
    private long releases;
    private long preemptibleStarts;
    private int preemptionFailedFor = -1;
    private long releasesAtFailure;
    private long preemptibleStartsAtFailure;
    /** The candidate victims: the preemptible jobs running, per node. */
    private final PreemptibleJobs jobs;
    private final GangPreemption gangs;
    /** Scratch for {@link #cannotBeat}: per victim on a node, what it holds there, and its lost work. */
    private long[] victimHolds = new long[8];
    private double[] victimLost = new double[8];

    Preemption(Topology topology, ClusterState state, PlacementPolicy policy, WhatIf whatIf) {
        this.topology = topology;
        this.state = state;
        this.whatIf = whatIf;
        this.jobs = new PreemptibleJobs(topology);
        this.gangs = new GangPreemption(topology, state, policy, whatIf, jobs);
    }

    /** A job runs (started, resumed, or restored after a what-if). */
    void started(RunningJob r) {
        if (r.job().preemptible()) {
            preemptibleStarts++;
        }
        jobs.started(r);
    }

    /** A job stopped running (ended, evicted, or evicted for a what-if). */
    void ended(RunningJob r) {
        releases++;
        jobs.ended(r);
    }

    /**
     * Makes room for a non-preemptible head by evicting preemptible jobs: the victims (already evicted through
     * {@link WhatIf#evict}) and where the head starts, or null if it does not pay or cannot make room. A head that
     * fits one node evicts the smallest set of preemptible jobs on one node (fewest victims, then least lost work); a gang across
     * nodes evicts per {@link GangPreemption#plan}. Preemption must pay: the work the victims lose (their cards times
     * the time they have run, all lost since they restart from the beginning) must be less than {@code gain}, the
     * head's cards times the wait it is spared (until its reservation). So a head that would start soon anyway
     * does not evict jobs that have run for hours, and spot jobs are not evicted over and over.
     */
    Plan plan(Job head, double t, double gain) {
        if (head.id() == preemptionFailedFor && releases == releasesAtFailure
                && preemptibleStarts == preemptibleStartsAtFailure) {
            // It did not pay (or found no room) for this head before; since then no capacity was released and no
            // preemptible job started, so the candidate victims only lost more work and the head's wait shrank.
            return null;
        }
        if (gain <= 0) {
            // No wait to spare (its reservation starts now, though it does not fit): no eviction loses less.
            return failedFor(head);
        }
        if (head.gpus() > topology.maxCardsOnOneNode(head.allowedModels())) {
            Plan plan = gangs.plan(head, t, gain);
            return plan != null ? plan : failedFor(head);
        }
        int bestNode = -1;
        List<RunningJob> bestVictims = null;
        double bestLost = Double.MAX_VALUE;
        for (int n = jobs.next(0); n >= 0; n = jobs.next(n + 1)) {
            if (topology.cards(n) < head.gpus() || (head.gpus() > 0 && !head.allows(topology.model(n)))) {
                continue;
            }
            if (state.freeMilli(n) + jobs.milliOn(n) < head.totalMilli()
                    || state.cpuFree(n) + jobs.cpuOn(n) < head.cpuMilli()
                    || state.memoryFree(n) + jobs.memoryOn(n) < head.memoryMib()) {
                continue;  // even evicting every preemptible job here would not make room
            }
            if (bestVictims != null && cannotBeat(head, n, bestVictims.size(), bestLost, t)) {
                assert !beats(victimsOn(head, n), bestVictims.size(), bestLost, t)
                        : "node " + n + " was passed over for job " + head.id() + " but beats the best set";
                continue;
            }
            List<RunningJob> taken = victimsOn(head, n);
            if (taken == null) {
                continue;
            }
            if (bestVictims == null || beats(taken, bestVictims.size(), bestLost, t)) {
                bestNode = n;
                bestVictims = taken;
                bestLost = lostWork(taken, t);
            }
        }
        if (bestVictims == null || bestLost / 1000.0 >= gain) {
            return failedFor(head);
        }
        for (RunningJob v : bestVictims) {
            whatIf.evict(v);
        }
        int[] cards = state.chooseCards(head, bestNode);
        return new Plan(bestVictims, Placement.onNodes(head, new int[] {bestNode}, new int[][] {cards}));
    }

    /**
     * The victims that make room for the head on node n, or null if even all its preemptible jobs do not: largest
     * first gives the fewest victims; then any victim not needed is dropped, last taken first.
     */
    private List<RunningJob> victimsOn(Job head, int n) {
        // Every preemptible job here, a gang across nodes too: all its work is lost.
        List<RunningJob> victims = jobs.runningOn(n);
        if (victims.isEmpty()) {
            return null;
        }
        victims.sort((a, b) -> Long.compare(b.placement.job().totalMilli(), a.placement.job().totalMilli()));
        List<Placement> released = new ArrayList<>();
        List<RunningJob> taken = new ArrayList<>();
        for (RunningJob v : victims) {
            if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                break;
            }
            released.add(v.placement);
            taken.add(v);
        }
        if (!state.fitsOnNodeAfterReleasing(head, n, released)) {
            return null;
        }
        for (int i = taken.size() - 1; i >= 0; i--) {
            Placement p = released.remove(i);
            if (state.fitsOnNodeAfterReleasing(head, n, released)) {
                taken.remove(i);
            } else {
                released.add(i, p);
            }
        }
        return taken;
    }

    /** Whether these victims are chosen over the best set so far: fewer of them, or as many losing strictly less. */
    private boolean beats(List<RunningJob> victims, int bestSize, double bestLost, double t) {
        return victims != null && (victims.size() < bestSize
                || (victims.size() == bestSize && lostWork(victims, t) < bestLost));
    }

    private double lostWork(List<RunningJob> victims, double t) {
        return victims.stream().mapToDouble(v -> jobs.lost(v, t)).sum();
    }

    /**
     * Whether node n's victims cannot be chosen over the best so far ({@code bestSize} victims losing
     * {@code bestLost}), without trying them: a set is chosen only if it is smaller, or as small and loses
     * strictly less. Whatever set frees room here has at least as many victims as the fewest whose cards, CPU and
     * memory on n could cover what the head lacks there; and if that is the best's size, it loses at least the
     * work of that many of the node's least costly victims. (A margin of 1e-9 keeps rounding from sparing a set.)
     */
    private boolean cannotBeat(Job head, int n, int bestSize, double bestLost, double t) {
        List<PreemptibleJobs.Victim> here = jobs.on(n);
        int v = here.size();
        if (victimHolds.length < v) {
            victimHolds = new long[Math.max(v, 2 * victimHolds.length)];
            victimLost = new double[victimHolds.length];
        }
        int fewest = 0;
        for (int resource = 0; resource < 3 && fewest <= bestSize; resource++) {
            long need = switch (resource) {
                case 0 -> head.totalMilli() - state.freeMilli(n);
                case 1 -> head.cpuMilli() - state.cpuFree(n);
                default -> head.memoryMib() - state.memoryFree(n);
            };
            if (need <= 0) {
                continue;
            }
            for (int k = 0; k < v; k++) {
                PreemptibleJobs.Victim victim = here.get(k);
                victimHolds[k] = resource == 0 ? victim.milli() : resource == 1 ? victim.cpu() : victim.memory();
            }
            fewest = Math.max(fewest, fewestCovering(need, victimHolds, v));
        }
        if (fewest > v) {
            return true;  // even all of them would not make room: this node is never chosen
        }
        if (fewest != bestSize) {
            return fewest > bestSize;
        }
        for (int k = 0; k < v; k++) {
            PreemptibleJobs.Victim victim = here.get(k);
            victimLost[k] = victim.lost(t);
        }
        // The sum of the bestSize smallest, by selection: bestSize is small (the fewest victims found so far).
        double least = 0;
        for (int k = 0; k < bestSize; k++) {
            int min = k;
            for (int i = k + 1; i < v; i++) {
                if (victimLost[i] < victimLost[min]) {
                    min = i;
                }
            }
            double x = victimLost[min];
            victimLost[min] = victimLost[k];
            victimLost[k] = x;
            least += x;
        }
        return least >= bestLost * (1 + 1e-9);
    }

    /**
     * The fewest of the first {@code count} amounts that add up to {@code need} (more than {@code count} if all
     * of them do not), taking the largest first by selection; reorders them.
     */
    private static int fewestCovering(long need, long[] amounts, int count) {
        long sum = 0;
        for (int k = 0; k < count; k++) {
            int max = k;
            for (int i = k + 1; i < count; i++) {
                if (amounts[i] > amounts[max]) {
                    max = i;
                }
            }
            long x = amounts[max];
            amounts[max] = amounts[k];
            amounts[k] = x;
            sum += x;
            if (sum >= need) {
                return k + 1;
            }
        }
        return count + 1;
    }












    /** Remembers that preemption for this head did not pay (or could not make room), for the memo in plan. */
    private Plan failedFor(Job head) {
        preemptionFailedFor = head.id();
        releasesAtFailure = releases;
        preemptibleStartsAtFailure = preemptibleStarts;
        return null;
    }


}
