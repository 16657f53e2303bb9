package city.myriad.allocation;

import java.util.Iterator;

/**
 * The head's reservation: its earliest start {@code shadow} from the declared ends of running jobs and, for a
 * head that must run on one node, the node it will start on ({@code node}, kept from later jobs that would
 * still run then); for a gang across nodes, the milli-cards of its models that will be spare at the shadow
 * ({@code extra}, which later jobs may use), with node -1. A gang that must stay in one block counts each block
 * apart, and starts once one of them holds it.
 */
record Head(double shadow, int node, long models, long extra) {

    /** The same reservation with {@code milli} of its spare milli-cards taken by a backfilled job. */
    Head spend(long milli) {
        return new Head(shadow, node, models, extra - milli);
    }

    /**
     * The earliest time at which the head can start, from the declared ends of the running jobs. A head that must
     * run on one node gets the first node where it fits once the jobs ending by then have released their share
     * (cards, CPU and memory); a gang across nodes counts the wholly free cards of its models in aggregate (per
     * block, if it must stay in one).
     */
    static Head reserve(Job head, double t, Topology topology, ClusterState state,
            Iterable<RunningJob> byEnd) {
        if (head.gpus() <= Math.max(1, topology.maxCardsOnOneNode(head.allowedModels()))) {
            return onOneNode(head, t, topology, state, byEnd);
        }
        // One pool for a gang free to span blocks; one per block for a gang that must stay in one, which starts
        // once a single block holds it (its spare is that block's: what a later job takes may come from it).
        long need = head.totalMilli();
        long[] available = new long[head.oneBlock() ? topology.blocks : 1];
        int fits = -1;
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                int pool = head.oneBlock() ? topology.block[n] : 0;
                available[pool] += state.wholeFree(n) * 1000L;
                if (available[pool] >= need && fits < 0) {
                    fits = pool;
                }
            }
        }
        if (fits >= 0) {  // fits in aggregate: reserve now
            return new Head(t, -1, head.allowedModels(), spare(available, need));
        }
        for (RunningJob r : byEnd) {
            Placement p = r.placement;
            boolean enough = false;
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                    int pool = head.oneBlock() ? topology.block[n] : 0;
                    available[pool] += (long) p.cards()[i].length * p.milli();
                    enough |= available[pool] >= need;
                }
            }
            if (enough) {
                return new Head(r.end, -1, head.allowedModels(), spare(available, need));
            }
        }
        return new Head(Double.POSITIVE_INFINITY, -1, head.allowedModels(), 0);
    }

    /** What the pool that holds the gang leaves spare at its start (the largest such, if several hold it). */
    private static long spare(long[] available, long need) {
        long spare = 0;
        for (long a : available) {
            if (a >= need) {
                spare = Math.max(spare, a - need);
            }
        }
        return spare;
    }

    private static Head onOneNode(Job head, double t, Topology topology, ClusterState state,
            Iterable<RunningJob> byEnd) {
        Head now = fitsNow(head, t, topology, state);
        return now != null ? now : new Walk(head, topology, state, byEnd, new Releases(topology)).next();
    }

    /** A node where the head fits now (CPU or memory held it back before), or null. */
    static Head fitsNow(Job head, double t, Topology topology, ClusterState state) {
        for (int w = 0, words = state.words(); w < words; w++) {
            for (long bits = state.candidatesOnOneNode(head, w); bits != 0; bits &= bits - 1) {
                int n = (w << 6) + Long.numberOfTrailingZeros(bits);
                if (usableBy(head, n, topology, state) && state.fitsOnNode(head, n)) {
                    return new Head(t, n, head.allowedModels(), 0);
                }
            }
        }
        return null;
    }

    /**
     * The walk over the running jobs by declared end for a one-node head, adding up what each node gets back, until
     * a node fits the head. It can go on for the next head once the found node is kept from it, if that head asks
     * at least as much in every respect (cards, share, CPU, memory, no other model, same tenant and class): every
     * node passed so far did not fit the last head, so it does not fit this one either, and nothing else changed.
     */
    static final class Walk {
        private Job shape;
        private final Topology topology;
        private final ClusterState state;
        private final Iterator<RunningJob> running;
        private final Releases released;
        private RunningJob current;
        private int index;
        /** Running jobs looked at so far. */
        private long steps;

        /** A walk that adds up into {@code released}, which it clears first (the caller reuses it). */
        Walk(Job shape, Topology topology, ClusterState state, Iterable<RunningJob> byEnd, Releases released) {
            this.shape = shape;
            this.topology = topology;
            this.state = state;
            this.running = byEnd.iterator();
            this.released = released;
            released.clear();
        }

        /** Whether the walk can go on for this job: it asks at least what the last one did, in every respect. */
        boolean covers(Job j) {
            return covers(j, shape, state.heldForTenants(), state.nextHoldsKept());
        }

        /**
         * Whether {@code j} asks at least what {@code shape} does, in every respect (a walk for one goes on for it):
         * cards, share, CPU, memory, no other model; and, while tenants hold nodes ({@code byTenant}), the same
         * tenant and class, since those decide which held nodes a job may use; and while nodes are kept for
         * reservations to come ({@code byRunTime}), at least the run time (a longer job may use fewer of them). With
         * no node held for a tenant, every job may use the same nodes.
         */
        static boolean covers(Job j, Job shape, boolean byTenant, boolean byRunTime) {
            return j.gpus() >= shape.gpus() && j.gpuMilli() >= shape.gpuMilli() && j.cpuMilli() >= shape.cpuMilli()
                    && j.memoryMib() >= shape.memoryMib() && (j.allowedModels() & ~shape.allowedModels()) == 0
                    && (!byTenant || (j.tenant() == shape.tenant() && j.preemptible() == shape.preemptible()))
                    && (!byRunTime || j.durationS() >= shape.durationS());
        }

        /** How many running jobs the walk has looked at. */
        long steps() {
            return steps;
        }

        /** Goes on with the walk for {@code j} (which it {@link #covers}). */
        Head next(Job j) {
            shape = j;
            return next();
        }

        /** The next node, by the time it frees enough, where the shape fits; its reservation. */
        Head next() {
            while (true) {
                if (current == null || index == current.placement.nodes().length) {
                    if (!running.hasNext()) {
                        return new Head(Double.POSITIVE_INFINITY, -1, shape.allowedModels(), 0);
                    }
                    current = running.next();
                    index = 0;
                    steps++;
                }
                Placement p = current.placement;
                int i = index++;
                int n = p.nodes()[i];
                if (!usableBy(shape, n, topology, state)) {
                    continue;
                }
                released.add(n, p, i);
                // What is free once these jobs end must cover the head before the exact (per card) check.
                if (state.freeMilli(n) + released.milli[n] >= shape.totalMilli()
                        && state.cpuFree(n) + released.cpu[n] >= shape.cpuMilli()
                        && state.memoryFree(n) + released.memory[n] >= shape.memoryMib()
                        && state.fitsOnNodeAfterReleasing(shape, n, released.cardMilli, released.cpu[n],
                                released.memory[n])) {
                    return new Head(current.end, n, shape.allowedModels(), 0);
                }
            }
        }
    }

    private static boolean usableBy(Job head, int n, Topology topology, ClusterState state) {
        return state.mayUse(head, n) && topology.cards(n) >= head.gpus()
                && (head.gpus() == 0 || (topology.cards(n) > 0 && head.allows(topology.model(n))));
    }

    /** What the running jobs walked so far release, per node and per card; reused from walk to walk. */
    static final class Releases {
        final long[] milli;
        final long[] cpu;
        final long[] memory;
        /** Per card of the cluster (by the topology's card offsets): the share released on it. */
        final int[] cardMilli;
        private final Topology topology;
        private final int[] touched;
        private final boolean[] isTouched;
        private int count;

        Releases(Topology topology) {
            this.topology = topology;
            int nodes = topology.nodes();
            milli = new long[nodes];
            cpu = new long[nodes];
            memory = new long[nodes];
            cardMilli = new int[topology.totalCards()];
            touched = new int[nodes];
            isTouched = new boolean[nodes];
        }

        void add(int n, Placement p, int i) {
            if (!isTouched[n]) {
                isTouched[n] = true;
                touched[count++] = n;
            }
            int[] cards = p.cards()[i];
            milli[n] += (long) cards.length * p.milli();
            cpu[n] += p.cpu()[i];
            memory[n] += p.memory()[i];
            int off = topology.cardOffset[n];
            for (int c : cards) {
                cardMilli[off + c] += p.milli();
            }
        }

        void clear() {
            for (int k = 0; k < count; k++) {
                int n = touched[k];
                milli[n] = 0;
                cpu[n] = 0;
                memory[n] = 0;
                isTouched[n] = false;
                java.util.Arrays.fill(cardMilli, topology.cardOffset[n], topology.cardOffset[n] + topology.cards[n], 0);
            }
            count = 0;
        }
    }
}
