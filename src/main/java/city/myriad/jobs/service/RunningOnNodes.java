package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import city.myriad.catalog.service.ClusterSupply.NodeInService;
import city.myriad.catalog.service.ClusterSupply.NodeMaintenance;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.platform.db.SqlTimes;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The running jobs of a cluster and model as the node-by-node start estimate reads them: what each holds on each node
 * in service (its cards there times its share of a card; its CPU and memory split over its nodes by their cards) until
 * its declared end. A node that is down is not in service: what a job holds there counts nowhere.
 */
final class RunningOnNodes {

    private RunningOnNodes() {}

    /** What the nodes in service offer new work, in their order: nothing on a DRAINING one. */
    static List<StartEstimate.Need> capacities(List<NodeInService> nodes) {
        return nodes.stream().map(n -> n.takesWork() ? new StartEstimate.Need(n.cards() * 1000L, n.cpuMilli(),
                n.memoryMib()) : new StartEstimate.Need(0, 0, 0)).toList();
    }

    /** Each node's block, as small integers in the order first met. */
    static int[] blocks(List<NodeInService> nodes) {
        Map<String, Integer> index = new HashMap<>();
        int[] blockOf = new int[nodes.size()];
        for (int i = 0; i < blockOf.length; i++) {
            blockOf[i] = index.computeIfAbsent(nodes.get(i).block(), b -> index.size());
        }
        return blockOf;
    }

    /**
     * The rows of {@code JobQueueRepository.reservedNodes} (node, tenant, from, until) on {@code nodes}: the holds of the
     * model's nodes; and the nodes' maintenance windows not over as of {@code now} ({@code windows}): a window bars
     * every job from its start (null once under way) until its nodes are back.
     */
    static List<StartEstimate.Hold> holds(List<NodeInService> nodes, List<Object[]> rows,
            List<NodeMaintenance> windows, java.time.Instant now) {
        if (rows.isEmpty() && windows.isEmpty()) {
            return List.of();
        }
        Map<String, Integer> index = index(nodes);
        List<StartEstimate.Hold> holds = new ArrayList<>();
        for (Object[] r : rows) {
            Integer i = index.get((String) r[0]);
            if (i != null) {
                holds.add(new StartEstimate.Hold(i, r[1], r[2] == null ? null : SqlTimes.instant(r[2]),
                        SqlTimes.instant(r[3])));
            }
        }
        for (NodeMaintenance w : windows) {
            Integer i = index.get(w.node());
            if (i != null) {
                holds.add(StartEstimate.Hold.maintenance(i, w.startAt().isAfter(now) ? w.startAt() : null,
                        w.endsAt()));
            }
        }
        return holds;
    }

    private static Map<String, Integer> index(List<NodeInService> nodes) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).name(), i);
        }
        return index;
    }

    /**
     * The rows of {@code JobQueueRepository.runningPlacements} (placement, cards, CPU, memory, declared end) on
     * {@code nodes}.
     */
    static List<StartEstimate.Placed> of(List<NodeInService> nodes, List<Object[]> rows, ObjectMapper json) {
        Map<String, Integer> index = index(nodes);
        List<StartEstimate.Placed> placed = new ArrayList<>();
        for (Object[] r : rows) {
            JobPlacement p = StoredPlacements.read(json, (String) r[0]);
            if (p == null || p.nodes().isEmpty()) {
                continue;
            }
            long cpu = ((Number) r[2]).longValue();
            long memory = ((Number) r[3]).longValue();
            long cards = p.nodes().stream().mapToLong(n -> n.cards().size()).sum();
            int[] at = new int[p.nodes().size()];
            StartEstimate.Need[] holds = new StartEstimate.Need[p.nodes().size()];
            int k = 0;
            for (JobPlacement.NodeCards n : p.nodes()) {
                Integer i = index.get(n.node());
                if (i == null) {
                    continue;
                }
                long part = n.cards().size();
                at[k] = i;
                holds[k++] = new StartEstimate.Need(part * p.shareMilli(),
                        cards == 0 ? cpu / p.nodes().size() : cpu * part / cards,
                        cards == 0 ? memory / p.nodes().size() : memory * part / cards);
            }
            if (k > 0) {
                placed.add(new StartEstimate.Placed(Arrays.copyOf(at, k), Arrays.copyOf(holds, k),
                        SqlTimes.instant(r[4])));
            }
        }
        return placed;
    }
}
