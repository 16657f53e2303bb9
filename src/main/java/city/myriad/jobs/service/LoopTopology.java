package city.myriad.jobs.service;

import city.myriad.allocation.Topology;
import city.myriad.catalog.service.ClusterNodes.NodeRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * A cluster's nodes as one allocation core of its loop was built on them. Rules:
 * <ul>
 *   <li>The core is given each node's cards in service only, numbered from 0 ({@link StoredPlacements} maps them back
 *       to the node's own indexes); a node whose every card is out is given to it as a node without cards.</li>
 *   <li>A node's index in the core is its place in the list read; names link the core to rows, reports and holds.</li>
 *   <li>While some card is out, {@link #hardware()} is the whole hardware, its models numbered as the core numbers
 *       them, so that a job the core rejects can be judged against it (it waits for the repair, or never fits).</li>
 *   <li>The core goes stale once the nodes read later differ from these: a node added or removed, or one re-imported
 *       as other hardware (fewer cards after a card failed, less CPU, another model, moved to another rack).</li>
 * </ul>
 */
final class LoopTopology {

    private static final Logger LOG = Logger.getLogger(LoopTopology.class);

    private final Topology core;
    private final Topology hardware;
    private final List<NodeRef> builtFrom;
    private final Map<String, Integer> index;
    private final int[][] cardsOf;
    private final Map<String, List<Integer>> cardsOut;
    private final String[] blockOf;

    private LoopTopology(Topology core, Topology hardware, List<NodeRef> builtFrom, Map<String, Integer> index,
            int[][] cardsOf, Map<String, List<Integer>> cardsOut, String[] blockOf) {
        this.core = core;
        this.hardware = hardware;
        this.builtFrom = builtFrom;
        this.index = index;
        this.cardsOf = cardsOf;
        this.cardsOut = cardsOut;
        this.blockOf = blockOf;
    }

    /** The core's topology for {@code nodes}, as read from the catalog. */
    static LoopTopology of(List<NodeRef> nodes) {
        Topology.Builder b = Topology.builder();
        Map<String, Integer> index = new HashMap<>();
        int[][] cardsOf = new int[nodes.size()][];
        Map<String, List<Integer>> cardsOut = new HashMap<>();
        for (NodeRef n : nodes) {
            int i = index.size();
            index.put(n.name(), i);
            cardsOf[i] = n.cardsInService();
            if (!n.cardsOut().isEmpty()) {
                cardsOut.put(n.name(), n.cardsOut());
            }
            b.node(n.name(), cardsOf[i].length == 0 ? null : n.model(), cardsOf[i].length,
                    Math.max(n.cpuMilli(), 1), Math.max(n.memoryMib(), 1), n.rack(), n.block());
        }
        Topology core = b.build();
        Topology hardware = cardsOut.isEmpty() ? null : hardwareOf(nodes, core);
        String[] blockOf = nodes.stream().map(NodeRef::block).toArray(String[]::new);
        return new LoopTopology(core, hardware, List.copyOf(nodes), Collections.unmodifiableMap(index), cardsOf,
                Collections.unmodifiableMap(cardsOut), blockOf);
    }

    /** The topology the core schedules on: the cards in service. */
    Topology core() {
        return core;
    }

    /** The whole hardware, every card in service, while some card is out; null while none is. */
    Topology hardware() {
        return hardware;
    }

    /** The node's index in the core; null for a node the core was not built with. */
    Integer indexOf(String node) {
        return index.get(node);
    }

    /** Node names by their index in the core (what {@link StoredPlacements} reads a stored placement with). */
    Map<String, Integer> indexes() {
        return index;
    }

    /** The block of the node at {@code i}, as when the core was built. */
    String blockOf(int i) {
        return blockOf[i];
    }

    /** Every node's block, by index: a copy. */
    String[] blocks() {
        return blockOf.clone();
    }

    /** Per node's index, the node's own index of each card the core has, by the core's index: a copy. */
    int[][] cardsInService() {
        int[][] copy = new int[cardsOf.length][];
        for (int i = 0; i < cardsOf.length; i++) {
            copy[i] = cardsOf[i].clone();
        }
        return copy;
    }

    /** The nodes with cards out of service, and which. */
    Map<String, List<Integer>> cardsOut() {
        return cardsOut;
    }

    /** Whether {@code nodes} are the nodes the core was built on, as the same hardware (their states aside). */
    boolean builtOn(List<NodeRef> nodes) {
        if (nodes.size() != builtFrom.size()) {
            return false;
        }
        for (NodeRef n : nodes) {
            Integer i = index.get(n.name());
            if (i == null || !n.sameHardware(builtFrom.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The topology of the nodes with every card in service, as the core would be built with none out, its models
     * numbered as the core's {@code core} numbers them (a job's allowed models are a mask of those numbers): a node of
     * each of the core's models first, in the core's order, then the others; a model whose every card is out comes
     * after them. Null if they cannot be numbered alike.
     */
    static Topology hardwareOf(List<NodeRef> nodes, Topology core) {
        List<NodeRef> ordered = new ArrayList<>(nodes.size());
        Set<NodeRef> first = Collections.newSetFromMap(new IdentityHashMap<>());
        for (String model : core.models()) {
            nodes.stream().filter(n -> n.cards() > 0 && model.equals(n.model() == null ? "" : n.model())
                    && n.cardsInService().length > 0).findFirst().ifPresent(n -> {
                        ordered.add(n);
                        first.add(n);
                    });
        }
        nodes.stream().filter(n -> !first.contains(n)).forEach(ordered::add);
        Topology.Builder b = Topology.builder();
        for (NodeRef n : ordered) {
            b.node(n.name(), n.cards() == 0 ? null : n.model(), n.cards(), Math.max(n.cpuMilli(), 1),
                    Math.max(n.memoryMib(), 1), n.rack(), n.block());
        }
        Topology hardware = b.build();
        if (!hardware.models().subList(0, core.models().size()).equals(core.models())) {
            // Not expected (the core numbers its models as its nodes first show them); rather than stop the cluster's
            // scheduling, its waiting jobs are judged on the cards in service alone, as before.
            LOG.errorf("The hardware's models %s do not begin with the core's %s; jobs that only cards out of service "
                    + "keep out are judged without them", hardware.models(), core.models());
            return null;
        }
        return hardware;
    }
}
