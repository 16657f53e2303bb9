package city.myriad.allocation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Placement rules every policy shares: which jobs must stay on one node, what can never fit, and how a gang that
 * spans nodes takes wholly free cards.
 */
final class Gangs {

    private Gangs() {}

    /** A job that fits the cards of one node of an allowed model must be placed on one node (FORMAT.md). */
    static boolean singleNode(Topology t, Job job) {
        return job.gpus() <= Math.max(1, t.maxCardsOnOneNode(job.allowedModels()));
    }

    /**
     * Rejected if no node has an allowed model, the gang exceeds every card of the allowed models, or the job belongs on
     * one node and no node carries its cards, CPU and memory even when empty (it would wait forever, and under strict
     * first come, first served everyone behind it too).
     */
    static PlacementResult.Rejected neverFits(Topology t, Job job) {
        if (job.gpus() > 0) {
            long cards = t.cardsOfModels(job.allowedModels());
            if (cards == 0) {
                return new PlacementResult.Rejected(PlacementResult.Reason.NO_ALLOWED_MODEL);
            }
            if (cards < job.gpus()) {
                return new PlacementResult.Rejected(PlacementResult.Reason.LARGER_THAN_CLUSTER);
            }
        }
        if (singleNode(t, job) && !t.someNodeCarries(job.allowedModels(), job.gpus(), job.cpuMilli(), job.memoryMib())) {
            return new PlacementResult.Rejected(PlacementResult.Reason.NO_NODE_LARGE_ENOUGH);
        }
        if (job.oneBlock() && !singleNode(t, job) && t.maxCardsInOneBlock(job.allowedModels()) < job.gpus()) {
            return new PlacementResult.Rejected(PlacementResult.Reason.NO_BLOCK_LARGE_ENOUGH);
        }
        return null;
    }

    /**
     * What a topology-aware policy answers before it looks at single nodes: the rejection of a job that can never
     * fit, the placement (or deferral) of a gang that spans nodes, or null for a job that belongs on one node.
     */
    static PlacementResult rejectedOrGang(ClusterState s, Job job) {
        PlacementResult.Rejected never = neverFits(s.topology(), job);
        if (never != null) {
            return never;
        }
        return singleNode(s.topology(), job) ? null : topologyAware(s, job);
    }

    /**
     * What a policy without topology answers before it looks at single nodes: the rejection of a job that can never
     * fit, first fit for a gang that spans nodes, or null for a job that belongs on one node.
     */
    static PlacementResult rejectedOrFirstFitGang(ClusterState s, Job job) {
        PlacementResult.Rejected never = neverFits(s.topology(), job);
        if (never != null) {
            return never;
        }
        return singleNode(s.topology(), job) ? null : job.oneBlock() ? topologyAware(s, job) : firstFit(s, job);
    }

    /** The job placed on one node, on the cards the state chooses there. */
    static PlacementResult.Placed onNode(ClusterState s, Job job, int node) {
        return new PlacementResult.Placed(Placement.onNodes(job, new int[] {node}, new int[][] {s.chooseCards(job, node)}));
    }

    static PlacementResult deferred(ClusterState s, Job job) {
        return new PlacementResult.Deferred(job.gpus() == 0 ? PlacementResult.Reason.NO_NODE_WITH_FREE_CPU_OR_MEMORY
                : PlacementResult.Reason.NO_NODE_WITH_FREE_CARDS);
    }

    /** A node's CPU and memory can carry {@code cards} of the gang's cards with their share of CPU and memory. */
    static boolean carries(ClusterState s, Job job, int node, int cards) {
        return s.mayUse(job, node) && Placement.ceilShare(job.cpuMilli(), cards, job.gpus()) <= s.cpuFree(node)
                && Placement.ceilShare(job.memoryMib(), cards, job.gpus()) <= s.memoryFree(node);
    }

    /** First fit for a multi-node gang: wholly free cards from nodes in index order. */
    static PlacementResult firstFit(ClusterState s, Job job) {
        Topology t = s.topology();
        Picks picks = new Picks(job.gpus());
        for (int n = s.nextCandidate(job, 0); n >= 0 && !picks.done(); n = s.nextCandidate(job, n + 1)) {
            if (ofAllowedModel(t, job, n) && s.wholeFree(n) > 0) {
                picks.takeFrom(s, job, n);
            }
        }
        return picks.done() ? gang(s, job, picks) : deferred(s, job);
    }

    /** A node with cards of a model the job allows. */
    private static boolean ofAllowedModel(Topology t, Job job, int n) {
        return t.cards[n] > 0 && job.allows(t.model[n]);
    }

    /** The nodes a gang takes wholly free cards from so far, and how many it still needs. */
    private static final class Picks {
        final List<Integer> nodes = new ArrayList<>();
        final List<Integer> takes = new ArrayList<>();
        int need;

        Picks(int need) {
            this.need = need;
        }

        /** Takes from node {@code n} the most of its wholly free cards that its CPU and memory carry, up to need. */
        void takeFrom(ClusterState s, Job job, int n) {
            int take = Math.min(need, s.wholeFree(n));
            while (take > 0 && !carries(s, job, n, take)) {
                take--;
            }
            if (take > 0) {
                nodes.add(n);
                takes.add(take);
                need -= take;
            }
        }

        boolean done() {
            return need == 0;
        }
    }

    /**
     * Topology-aware placement of a multi-node gang: inside one block if any block can hold it, in as few racks as
     * possible, preferring the block that it fills best (least whole-free capacity left); fully free nodes first.
     */
    static PlacementResult topologyAware(ClusterState s, Job job) {
        return topologyAware(s, job, null);
    }

    /**
     * The same, for a gang that may run on several models, with a price per milli-card of each model
     * ({@code modelPrice}, null for none): the blocks whose free cards cost least come first, then fewest racks,
     * then the best fill. The price is the default policy's model scarcity: a gang free to run anywhere leaves the
     * models that jobs bound to them will need. It is compared rounded to hundredths, so that models about as
     * scarce still go by topology.
     */
    static PlacementResult topologyAware(ClusterState s, Job job, double[] modelPrice) {
        Topology t = s.topology();
        int[] blockFree = new int[t.blocks];
        double[] blockPrice = new double[t.blocks];
        int[] rackFree = new int[t.racksInBlocks];
        long wholeFree = 0;
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (ofAllowedModel(t, job, n) && s.mayUse(job, n)) {
                wholeFree += s.wholeFree(n);
                if (carries(s, job, n, s.wholeFree(n))) {
                    blockFree[t.block[n]] += s.wholeFree(n);
                    rackFree[t.rackInBlock[n]] += s.wholeFree(n);
                    if (modelPrice != null) {
                        blockPrice[t.block[n]] += s.wholeFree(n) * modelPrice[t.model[n]];
                    }
                }
            }
        }
        if (wholeFree < job.gpus()) {
            return deferred(s, job);  // not enough wholly free cards anywhere: no need to look further
        }
        int bestBlock = -1;
        long bestPrice = Long.MAX_VALUE;
        int bestRacks = Integer.MAX_VALUE;
        int bestLeft = Integer.MAX_VALUE;
        for (int b = 0; b < t.blocks; b++) {
            if (blockFree[b] < job.gpus()) {
                continue;
            }
            // Mean price of the block's free cards, in hundredths.
            long price = Math.round(blockPrice[b] / blockFree[b] * 100);
            int racks = racksNeeded(t.racksOfBlock[b], rackFree, job.gpus());
            int left = blockFree[b] - job.gpus();
            if (price < bestPrice || price == bestPrice && (racks < bestRacks || (racks == bestRacks && left < bestLeft))) {
                bestBlock = b;
                bestPrice = price;
                bestRacks = racks;
                bestLeft = left;
            }
        }
        if (bestBlock < 0) {
            // No single block holds it: span blocks, unless it must stay in one (it waits for a block to free).
            return job.oneBlock() ? deferred(s, job) : firstFit(s, job);
        }
        return fillBlock(s, job, bestBlock, rackFree);
    }

    /** The fewest of the block's racks whose free cards (the gang's carried cards per rack) cover {@code need}. */
    private static int racksNeeded(int[] racksOfBlock, int[] rackFree, int need) {
        int[] free = new int[racksOfBlock.length];
        for (int i = 0; i < free.length; i++) {
            free[i] = rackFree[racksOfBlock[i]];
        }
        Arrays.sort(free);
        int racks = 0;
        for (int i = free.length - 1; i >= 0 && need > 0; i--) {
            need -= free[i];
            racks++;
        }
        return racks;
    }

    private static PlacementResult fillBlock(ClusterState s, Job job, int block, int[] rackFree) {
        Topology t = s.topology();
        int[] own = t.racksOfBlock[block];
        // The rack that alone holds the gang with the least left over (the first such rack on ties); else the
        // fullest racks first.
        int need = job.gpus();
        int single = -1;
        for (int r : own) {
            if (rackFree[r] >= need && (single < 0 || rackFree[r] < rackFree[single])) {
                single = r;
            }
        }
        List<Integer> order = new ArrayList<>();
        if (single >= 0) {
            order.add(single);
        } else {
            for (int r : own) {
                order.add(r);
            }
            order.sort((a, b) -> rackFree[b] - rackFree[a]);  // stable: equal racks keep their order
        }
        // The block's nodes with wholly free cards the job may use, in node order: one pass over the candidates.
        List<Integer> inBlock = new ArrayList<>();
        for (int n = s.nextCandidate(job, 0); n >= 0; n = s.nextCandidate(job, n + 1)) {
            if (t.block[n] == block && ofAllowedModel(t, job, n) && s.wholeFree(n) > 0 && s.mayUse(job, n)) {
                inBlock.add(n);
            }
        }
        Picks picks = new Picks(need);
        for (int r : order) {
            if (picks.done()) {
                break;
            }
            // Fully free nodes first, so that partly used nodes stay for small jobs.
            List<Integer> inRack = new ArrayList<>();
            for (int n : inBlock) {
                if (t.rackInBlock[n] == r) {
                    inRack.add(n);
                }
            }
            inRack.sort((a, b) -> s.wholeFree(b) - s.wholeFree(a));
            for (int n : inRack) {
                picks.takeFrom(s, job, n);
                if (picks.done()) {
                    break;
                }
            }
        }
        return picks.done() ? gang(s, job, picks) : firstFit(s, job);
    }

    private static PlacementResult gang(ClusterState s, Job job, Picks picks) {
        int[] ns = new int[picks.nodes.size()];
        int[][] cards = new int[ns.length][];
        for (int i = 0; i < ns.length; i++) {
            ns[i] = picks.nodes.get(i);
            int[] c = new int[picks.takes.get(i)];
            int k = 0;
            for (int card = 0; card < s.topology().cards[ns[i]] && k < c.length; card++) {
                if (s.freeOn(ns[i], card) == Topology.MILLI_PER_CARD) {
                    c[k++] = card;
                }
            }
            cards[i] = c;
        }
        return new PlacementResult.Placed(Placement.onNodes(job, ns, cards));
    }
}
