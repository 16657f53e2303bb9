package city.myriad.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The head's reservation: its earliest start {@code shadow} from the declared ends of running jobs and, for a
 * head that must run on one node, the node it will start on ({@code node}, kept from later jobs that would
 * still run then); for a gang across nodes, the milli-cards of its models that will be spare at the shadow
 * ({@code extra}, which later jobs may use), with node -1.
 */
record Head(double shadow, int node, long models, long extra) {

    /** The same reservation with {@code milli} of its spare milli-cards taken by a backfilled job. */
    Head spend(long milli) {
        return new Head(shadow, node, models, extra - milli);
    }

    /**
     * The earliest time at which the head can start, from the declared ends of the running jobs. A head that must
     * run on one node gets the first node where it fits once the jobs ending by then have released their share
     * (cards, CPU and memory); a gang across nodes counts the wholly free cards of its models in aggregate.
     */
    static Head reserve(Job head, double t, Topology topology, ClusterState state,
            Iterable<Scheduler.Running> byEnd) {
        if (head.gpus() <= Math.max(1, topology.maxCardsOnOneNode(head.allowedModels()))) {
            return onOneNode(head, t, topology, state, byEnd);
        }
        long need = head.totalMilli();
        long available = 0;
        for (int n = 0; n < topology.nodes(); n++) {
            if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                available += state.wholeFree(n) * 1000L;
            }
        }
        if (available >= need) {
            return new Head(t, -1, head.allowedModels(), available - need);  // fits in aggregate: reserve now
        }
        for (Scheduler.Running r : byEnd) {
            Placement p = r.placement;
            for (int i = 0; i < p.nodes().length; i++) {
                int n = p.nodes()[i];
                if (topology.cards(n) > 0 && head.allows(topology.model(n))) {
                    available += (long) p.cards()[i].length * p.milli();
                }
            }
            if (available >= need) {
                return new Head(r.end, -1, head.allowedModels(), available - need);
            }
        }
        return new Head(Double.POSITIVE_INFINITY, -1, head.allowedModels(), 0);
    }

    private static Head onOneNode(Job head, double t, Topology topology, ClusterState state,
            Iterable<Scheduler.Running> byEnd) {
        for (int n = state.nextCandidate(head, 0); n >= 0; n = state.nextCandidate(head, n + 1)) {
            if (usableBy(head, n, topology, state) && state.fitsOnNode(head, n)) {
                return new Head(t, n, head.allowedModels(), 0);  // fits now (CPU or memory held it back before)
            }
        }
        Map<Integer, List<Placement>> released = new HashMap<>();
        for (Scheduler.Running r : byEnd) {
            Placement p = r.placement;
            for (int n : p.nodes()) {
                if (!usableBy(head, n, topology, state)) {
                    continue;
                }
                List<Placement> onN = released.computeIfAbsent(n, k -> new ArrayList<>());
                onN.add(p);
                if (state.fitsOnNodeAfterReleasing(head, n, onN)) {
                    return new Head(r.end, n, head.allowedModels(), 0);
                }
            }
        }
        return new Head(Double.POSITIVE_INFINITY, -1, head.allowedModels(), 0);
    }

    private static boolean usableBy(Job head, int n, Topology topology, ClusterState state) {
        return state.mayUse(head, n) && topology.cards(n) >= head.gpus()
                && (head.gpus() == 0 || (topology.cards(n) > 0 && head.allows(topology.model(n))));
    }
}
