package city.myriad.jobs.service;

import city.myriad.allocation.Reservations;
import city.myriad.catalog.service.ClusterNodes.MaintenanceRef;
import city.myriad.catalog.service.ClusterNodes.NodeRef;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * What the nodes' states and maintenance windows mean for the core at one refresh of its loop. Rules:
 * <ul>
 *   <li>A node not in service (draining, down, decommissioned) takes no new work: it is held
 *       {@link Reservations#OUT_OF_SERVICE}. What runs on a node that is down ends ({@link #down()}).</li>
 *   <li>A node in a maintenance window now takes nothing either, and what still runs there is stopped
 *       ({@link #maintained()}).</li>
 *   <li>A node with a window to come takes only work declared to end by the window's start: the earliest start of its
 *       windows to come ({@link #maintenanceFrom(int)}).</li>
 *   <li>A window already over counts for nothing; a node the core was not built with is left to the next rebuild.</li>
 * </ul>
 */
final class NodeStates {

    private final int[] holder;
    private final Instant[] maintenanceFrom;
    private final Set<String> down;
    private final Set<String> maintained;
    private final int[] inWindow;
    private final int[] toCome;

    private NodeStates(int[] holder, Instant[] maintenanceFrom, Set<String> down, Set<String> maintained,
            int[] inWindow, int[] toCome) {
        this.holder = holder;
        this.maintenanceFrom = maintenanceFrom;
        this.down = down;
        this.maintained = maintained;
        this.inWindow = inWindow;
        this.toCome = toCome;
    }

    /** No node held, down or in a window: before the first refresh of a core. */
    static NodeStates none() {
        return new NodeStates(new int[0], new Instant[0], Set.of(), Set.of(), new int[0], new int[0]);
    }

    /** The states of {@code nodes} and the windows {@code windows} at {@code now}, on the core of {@code on}. */
    static NodeStates of(LoopTopology on, List<NodeRef> nodes, List<MaintenanceRef> windows, Instant now) {
        int size = on.core().nodes();
        int[] holder = new int[size];
        Arrays.fill(holder, Reservations.NONE);
        Set<String> down = new HashSet<>();
        for (NodeRef n : nodes) {
            Integer i = on.indexOf(n.name());
            if (i == null) {
                continue;
            }
            if (!n.inService()) {
                holder[i] = Reservations.OUT_OF_SERVICE;
            }
            if (n.down()) {
                down.add(n.name());
            }
        }
        Set<String> maintained = new HashSet<>();
        Instant[] from = new Instant[size];
        for (MaintenanceRef m : windows) {
            if (!m.endsAt().isAfter(now)) {
                continue;
            }
            for (String name : m.nodes()) {
                Integer i = on.indexOf(name);
                if (i == null) {
                    continue;
                }
                if (!m.startAt().isAfter(now)) {
                    holder[i] = Reservations.OUT_OF_SERVICE;
                    maintained.add(name);
                } else if (from[i] == null || m.startAt().isBefore(from[i])) {
                    from[i] = m.startAt();
                }
            }
        }
        int[] inWindow = maintained.stream().mapToInt(on::indexOf).sorted().toArray();
        int[] toCome = IntStream.range(0, size).filter(i -> from[i] != null).toArray();
        return new NodeStates(holder, from, Set.copyOf(down), Set.copyOf(maintained), inWindow, toCome);
    }

    /** Per node index: {@link Reservations#OUT_OF_SERVICE} or {@link Reservations#NONE}; a copy, for the holds. */
    int[] holders() {
        return holder.clone();
    }

    /** Per node index: the start of its earliest window to come, or null; a copy, for the holds. */
    Instant[] windowsToCome() {
        return maintenanceFrom.clone();
    }

    /** The start of the node's earliest window to come; null for none. */
    Instant maintenanceFrom(int node) {
        return maintenanceFrom[node];
    }

    /** The nodes down: their runs end (NODE_DOWN). */
    Set<String> down() {
        return down;
    }

    /** The nodes in a maintenance window now: their runs end (MAINTENANCE). */
    Set<String> maintained() {
        return maintained;
    }

    /** Whether some node is down or in a window now: only then may runs have to end. */
    boolean anyOut() {
        return !down.isEmpty() || !maintained.isEmpty();
    }

    /** The indexes of the nodes in a window now, ascending: a copy. */
    int[] inWindow() {
        return inWindow.clone();
    }

    /** The indexes of the nodes with a window to come, ascending: a copy. */
    int[] toCome() {
        return toCome.clone();
    }

    /** Whether no node is in a window now or has one to come. */
    boolean noWindows() {
        return inWindow.length == 0 && toCome.length == 0;
    }
}
