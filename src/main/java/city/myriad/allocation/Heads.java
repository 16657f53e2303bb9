package city.myriad.allocation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The reservations of one cycle's blocked jobs, and the nodes they keep from later jobs. The first job of the scan
 * that cannot start is the first head; up to {@code limit} blocked jobs get a reservation ({@link Head}) in scan
 * order, and after them every blocked job that needs a whole node and has waited long enough ({@link #reserves}).
 * A later job may start now only if it delays none of them:
 * <ul>
 *   <li>a head that runs on one node keeps its node from every job that would still run at the head's start;</li>
 *   <li>a gang across nodes (only ever the first head, and then the only one) lets a job that would still run
 *       at its start use only the cards it will not need ({@link Head#extra}).</li>
 * </ul>
 * With a limit of one this is EASY backfilling; with more, the first few blocked jobs are protected as in
 * conservative backfilling, so that wide jobs are not passed for ever by a stream of narrow ones. Each later
 * one-node head is reserved with the earlier heads' nodes kept, so no two heads count on the same node.
 */
final class Heads {

    private final Topology topology;
    private final ClusterState state;
    private final int limit;
    /** The wait after which a blocked whole-node job is reserved for beyond the limit (infinite: never). */
    private final double wholeNodeAfterS;
    private boolean blocked;
    private Head gang;
    /** One-node heads in order of reserved start: a job past the k-th start keeps off the first k nodes. */
    private final List<Head> onNodes = new ArrayList<>();
    private final Deque<ClusterState.Hold> holds = new ArrayDeque<>();
    private final List<HeldNodes> heldSets = new ArrayList<>();
    /** The last walk over the running jobs' ends, to go on with for a head that asks at least as much. */
    private Head.Walk walk;
    /** The scheduler's count of changes to the running jobs when the walk began: any change since voids it. */
    private long walkVersion;
    /** The per-node sums a walk adds up in: one for the scheduler's life, cleared by each new walk. */
    private final Head.Releases scratch;
    /**
     * Running jobs the walks of this scan may look at in all, and have: once spent, no later job is reserved for.
     * The first head's walk alone may take a whole pass; the later ones share one more.
     */
    private final long budget;
    private long walked;
    /** Reservations kept between scans (null: none kept). */
    private final HeadMemo memo;

    Heads(Topology topology, ClusterState state, int limit, Head.Releases scratch, long budget) {
        this(topology, state, limit, Double.POSITIVE_INFINITY, scratch, budget, null);
    }

    /**
     * The reservations of a scan that gives the first {@code limit} blocked jobs a reservation, and every blocked job
     * that needs a whole node once it has waited {@code wholeNodeAfterS} (infinite: none beyond the limit).
     */
    Heads(Topology topology, ClusterState state, int limit, double wholeNodeAfterS, Head.Releases scratch,
            long budget, HeadMemo memo) {
        this.wholeNodeAfterS = wholeNodeAfterS;
        this.memo = memo;
        this.budget = budget;
        this.topology = topology;
        this.scratch = scratch;
        this.state = state;
        this.limit = limit;
        heldSets.add(HeldNodes.NONE);
    }

    /** Whether a job of this scan was blocked (and the rest of the scan is backfill). */
    boolean any() {
        return blocked;
    }

    /**
     * Whether a job that cannot start now at {@code t} should get a reservation too: the first blocked job always;
     * after it, while the walks' budget lasts and no gang is the head, a one-node job among the first {@code limit},
     * or one that needs every card of a node and has waited {@code wholeNodeAfterS} (Scheduler's
     * WHOLE_NODE_RESERVATION_S says why).
     */
    boolean reserves(Job j, double t) {
        if (!blocked) {
            return true;
        }
        if (gang != null || walked >= budget) {
            return false;
        }
        int node = Math.max(1, topology.maxCardsOnOneNode(j.allowedModels()));
        if (j.gpus() > node) {
            return false;
        }
        return onNodes.size() < limit
                || (t - j.submitS() >= wholeNodeAfterS && j.totalMilli() >= node * 1000L);
    }

    /**
     * The reservation of a blocked job, with the earlier heads' nodes kept from it. A head that asks at least what the
     * last one reserved from the running jobs' ends did goes on with that walk, if the running jobs did not change
     * since ({@code runningVersion}: a start, an end, or a preemption what-if undone).
     */
    Head reserve(Job j, double t, Iterable<RunningJob> byEnd, long runningVersion) {
        liftAll();
        for (Head h : onNodes) {
            holds.push(state.holdForHead(h.node()));
        }
        try {
            HeldNodes held = heldSets.get(onNodes.size());
            boolean oneNode = j.gpus() <= Math.max(1, topology.maxCardsOnOneNode(j.allowedModels()));
            if (blocked && oneNode) {
                Head kept = kept(j, t, held, byEnd);
                if (kept != null) {
                    return kept;
                }
            }
            if (oneNode && walk != null && walkVersion == runningVersion && walk.covers(j)) {
                long before = walk.steps();
                Head h = walk.next(j);
                return walked(j, h, held, walk.steps() - before);
            }
            walk = null;
            if (!oneNode) {
                return Head.reserve(j, t, topology, state, byEnd);
            }
            // A later head did not fit with fewer nodes kept (or cannot fit anywhere now): only the first may.
            Head now = blocked ? null : Head.fitsNow(j, t, topology, state);
            if (now != null) {
                return now;
            }
            if (!blocked) {
                Head kept = kept(j, t, held, byEnd);
                if (kept != null) {
                    return kept;
                }
            }
            walk = new Head.Walk(j, topology, state, byEnd, scratch);
            walkVersion = runningVersion;
            Head h = walk.next();
            return walked(j, h, held, walk.steps());
        } finally {
            liftAll();
        }
    }

    /** The reservation the last scan kept for {@code j}, if it stands; its walk's steps count against the budget. */
    private Head kept(Job j, double t, HeldNodes held, Iterable<RunningJob> byEnd) {
        Head kept = memo == null ? null : memo.lookup(j, t, state, held);
        if (kept != null) {
            walked += memo.steps(j);
            assert kept.equals(new Head.Walk(j, topology, state, byEnd, new Head.Releases(topology)).next())
                    : "kept reservation " + kept + " of job " + j.id() + " differs from a fresh walk at " + t;
        }
        return kept;
    }

    /** A reservation a walk of {@code steps} found: counted against the budget and kept for the next scan. */
    private Head walked(Job j, Head h, HeldNodes held, long steps) {
        walked += steps;
        if (memo != null) {
            memo.keep(j, h, state, held, steps);
        }
        return h;
    }

    /** Protects the reservation of the job just blocked from here on. A head that can never start protects nothing. */
    void add(Head h) {
        blocked = true;
        if (Double.isInfinite(h.shadow())) {
            return;
        }
        if (h.node() < 0) {
            if (onNodes.isEmpty()) {
                gang = h;
            }
            return;
        }
        liftAll();
        int at = 0;
        while (at < onNodes.size() && onNodes.get(at).shadow() <= h.shadow()) {
            at++;
        }
        onNodes.add(at, h);
        // The sets of the first `at` heads stand (the same lists, so memo keys made with them still match); the
        // longer ones are made anew with the new head in its place.
        while (heldSets.size() > at + 1) {
            heldSets.remove(heldSets.size() - 1);
        }
        for (int level = at + 1; level <= onNodes.size(); level++) {
            int[] nodes = new int[level];
            for (int i = 0; i < level; i++) {
                nodes[i] = onNodes.get(i).node();
            }
            heldSets.add(memo == null ? HeldNodes.of(nodes) : memo.intern(HeldNodes.of(nodes)));
        }
    }

    /**
     * Whether starting {@code j} now would take cards the gang head needs at its start: it would still run then,
     * may use the gang's models, and asks more than the gang leaves spare.
     */
    boolean delaysGang(Job j, double t) {
        return gang != null && t + j.durationS() > gang.shadow() && overlaps(j, gang) && j.totalMilli() > gang.extra();
    }

    /** A job starts now: if it still runs at the gang head's start on the gang's models, it spends the spare. */
    void started(Job j, double t) {
        if (gang != null && t + j.durationS() > gang.shadow() && overlaps(j, gang)) {
            gang = gang.spend(j.totalMilli());
        }
    }

    /**
     * The nodes of the heads whose reserved start {@code j} would still run at: whether a shape fits depends on
     * them. Nothing is held yet ({@link #keepFrom}).
     */
    HeldNodes keptFrom(Job j, double t) {
        return heldSets.get(level(j, t));
    }

    private int level(Job j, double t) {
        int level = 0;
        while (level < onNodes.size() && t + j.durationS() > onNodes.get(level).shadow()) {
            level++;
        }
        return level;
    }

    /**
     * Keeps from {@code j} the nodes of {@link #keptFrom} in the cluster state, so that placing it, or preempting
     * for it, sees them as unusable. Only what reads the state for {@code j} needs them: a job whose shape is known
     * not to fit is passed over without holding or lifting anything.
     */
    void keepFrom(Job j, double t) {
        int level = level(j, t);
        while (holds.size() > level) {
            state.lift(holds.pop());
        }
        while (holds.size() < level) {
            holds.push(state.holdForHead(onNodes.get(holds.size()).node()));
        }
    }

    /** Gives every kept node back; the scan calls it when it ends. */
    void liftAll() {
        while (!holds.isEmpty()) {
            state.lift(holds.pop());
        }
    }

    private static boolean overlaps(Job j, Head h) {
        return (j.allowedModels() & h.models()) != 0;
    }
}
