package city.myriad.jobs.service;

import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Topology;
import city.myriad.jobs.model.JobPlacement;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's placement as the core holds it (node indexes of one topology) and as a job's row stores it (JSON naming
 * nodes and cards, {@link JobPlacement}), each read from the other. Node names are the link: a stored placement
 * survives a rebuild of the core on a new topology as long as its nodes still exist. Cards are the node's own
 * indexes in the row and the core's in the core: a node with a card out of service is given to the core with its
 * cards in service only, numbered from 0 ({@code cardsOf[node][coreCard]} is the node's index of the core's card).
 */
final class StoredPlacements {

    private final Topology topology;
    private final Map<String, Integer> nodeIndex;
    private final ObjectMapper json;
    /** Per node index: the node's own index of each card the core has, by the core's index. */
    private final int[][] cardsOf;

    StoredPlacements(Topology topology, Map<String, Integer> nodeIndex, int[][] cardsOf, ObjectMapper json) {
        this.topology = topology;
        this.nodeIndex = nodeIndex;
        this.cardsOf = cardsOf;
        this.json = json;
    }

    /** What a job's row stores for the core's placement {@code p}. */
    String write(Placement p) {
        List<JobPlacement.NodeCards> nodes = new ArrayList<>();
        for (int i = 0; i < p.nodes().length; i++) {
            List<Integer> cards = new ArrayList<>();
            int[] own = cardsOf[p.nodes()[i]];
            for (int c : p.cards()[i]) {
                cards.add(own[c]);
            }
            nodes.add(new JobPlacement.NodeCards(topology.nodeName(p.nodes()[i]), cards));
        }
        try {
            return json.writeValueAsString(new JobPlacement(nodes, p.milli()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored placement as written; null for none. */
    JobPlacement read(String stored) {
        return read(json, stored);
    }

    /** A placement as a job's row (or a run segment, or an assignment) stores it; null for none. */
    static JobPlacement read(ObjectMapper json, String stored) {
        if (stored == null) {
            return null;
        }
        try {
            return json.readValue(stored, JobPlacement.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored placement does not read", e);
        }
    }

    /**
     * The core's placement of a running {@code job} from its stored one, with the CPU and memory the core gave it
     * when it started (they are not stored: the core's rule derives them from the job and its cards); null if a node
     * of it no longer exists.
     */
    Placement of(Job job, String stored) {
        JobPlacement p = read(stored);
        if (job == null || p == null) {
            return null;
        }
        int k = p.nodes().size();
        int[] nodes = new int[k];
        int[][] cards = new int[k][];
        for (int i = 0; i < k; i++) {
            Integer n = nodeIndex.get(p.nodes().get(i).node());
            if (n == null) {
                return null;
            }
            nodes[i] = n;
            // A card the core does not have (gone with a re-import) becomes -1, which the core refuses to resume.
            cards[i] = p.nodes().get(i).cards().stream().mapToInt(c -> coreCard(n, c)).toArray();
        }
        return Placement.onNodes(job, nodes, cards);
    }

    /**
     * Whether the stored placement uses a card out of service ({@code out} names them per node): its run ends as on a
     * node down. Cards of nodes gone are not counted here ({@link #of} answers null for those).
     */
    boolean onCardOut(String stored, Map<String, List<Integer>> out) {
        JobPlacement p = read(stored);
        if (p == null || out.isEmpty()) {
            return false;
        }
        for (JobPlacement.NodeCards n : p.nodes()) {
            List<Integer> down = out.get(n.node());
            if (down != null && n.cards().stream().anyMatch(down::contains)) {
                return true;
            }
        }
        return false;
    }

    /** The core's index of the node's card {@code own}, or -1 if the core does not have it. */
    private int coreCard(int node, int own) {
        int[] cards = cardsOf[node];
        for (int c = 0; c < cards.length; c++) {
            if (cards[c] == own) {
                return c;
            }
        }
        return -1;
    }
}
