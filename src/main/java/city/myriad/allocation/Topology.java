package city.myriad.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed shape of a cluster, in primitive arrays indexed by node: card model, card count, CPU and memory
 * capacity, rack and block. Models, racks and blocks are interned to small integers. Immutable.
 */
public final class Topology {

    public static final int MILLI_PER_CARD = 1000;

    final String[] nodeNames;
    final int[] model;
    final int[] cards;
    final long[] cpu;
    final long[] memory;
    final int[] block;
    final int[] cardOffset;
    final List<String> models;
    /** Per model: the cards of all its nodes. */
    final long[] cardsOfModel;
    /** Per model: the CPU (milli-cores) and memory (MiB) of its nodes per card. */
    final double[] cpuPerCardOfModel;
    final double[] memoryPerCardOfModel;
    final int blocks;
    /**
     * Per node: its rack within its block, 0-based over the cluster's (block, rack) pairs (a rack name found in two
     * blocks is two of them). A gang's placement sums free cards per such rack in one pass over the nodes.
     */
    final int[] rackInBlock;
    /** How many racks within blocks there are (the range of {@link #rackInBlock}). */
    final int racksInBlocks;
    /** Per block: its racks within it ({@link #rackInBlock} values), in the order of their interned rack. */
    final int[][] racksOfBlock;
    final int totalCards;
    /** Per model: the largest card count of a node of that model. */
    final int[] maxCardsOfModel;
    /** Per node: its class, shared by all nodes of the same model, card count, CPU and memory (0-based). */
    final int[] nodeClass;
    final int nodeClasses;
    /** The model, card count, CPU and memory of each node class that no other class of its model exceeds in all three. */
    private final long[][] classShape;

    private Topology(Builder b) {
        int n = b.names.size();
        nodeNames = b.names.toArray(String[]::new);
        model = b.model.stream().mapToInt(Integer::intValue).toArray();
        cards = b.cards.stream().mapToInt(Integer::intValue).toArray();
        cpu = b.cpu.stream().mapToLong(Long::longValue).toArray();
        memory = b.memory.stream().mapToLong(Long::longValue).toArray();
        block = b.block.stream().mapToInt(Integer::intValue).toArray();
        models = List.copyOf(b.models.keySet().stream().sorted((x, y) -> b.models.get(x) - b.models.get(y)).toList());
        blocks = b.blocks.size();
        // Racks within blocks, numbered as first met in node order; each block lists its own by interned rack.
        int racks = b.racks.size();
        rackInBlock = new int[n];
        Map<Long, Integer> pairs = new HashMap<>();
        List<List<Integer>> byBlock = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            byBlock.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            long key = (long) block[i] * racks + b.rack.get(i);
            Integer p = pairs.get(key);
            if (p == null) {
                p = pairs.size();
                pairs.put(key, p);
                byBlock.get(block[i]).add(p);
            }
            rackInBlock[i] = p;
        }
        racksInBlocks = pairs.size();
        int[] rackOfPair = new int[racksInBlocks];
        pairs.forEach((key, p) -> rackOfPair[p] = (int) (key % racks));
        racksOfBlock = new int[blocks][];
        for (int i = 0; i < blocks; i++) {
            racksOfBlock[i] = byBlock.get(i).stream().sorted((x, y) -> rackOfPair[x] - rackOfPair[y])
                    .mapToInt(Integer::intValue).toArray();
        }
        cardOffset = new int[n + 1];
        for (int i = 0; i < n; i++) {
            cardOffset[i + 1] = cardOffset[i] + cards[i];
        }
        totalCards = cardOffset[n];
        nodeClass = new int[n];
        Map<List<Long>, Integer> classes = new HashMap<>();
        for (int i = 0; i < n; i++) {
            nodeClass[i] = classes.computeIfAbsent(List.of((long) model[i], (long) cards[i], cpu[i], memory[i]),
                    k -> classes.size());
        }
        nodeClasses = classes.size();
        classShape = largest(classes.keySet());
        maxCardsOfModel = new int[Math.max(1, models.size())];
        cardsOfModel = new long[Math.max(1, models.size())];
        cpuPerCardOfModel = new double[cardsOfModel.length];
        memoryPerCardOfModel = new double[cardsOfModel.length];
        for (int i = 0; i < n; i++) {
            if (cards[i] > 0) {
                maxCardsOfModel[model[i]] = Math.max(maxCardsOfModel[model[i]], cards[i]);
                cardsOfModel[model[i]] += cards[i];
                cpuPerCardOfModel[model[i]] += cpu[i];
                memoryPerCardOfModel[model[i]] += memory[i];
            }
        }
        for (int m = 0; m < cardsOfModel.length; m++) {
            cpuPerCardOfModel[m] /= Math.max(1, cardsOfModel[m]);
            memoryPerCardOfModel[m] /= Math.max(1, cardsOfModel[m]);
        }
    }

    /** All cards of the allowed models. */
    public long cardsOfModels(long allowedModels) {
        long total = 0;
        for (int m = 0; m < cardsOfModel.length; m++) {
            if ((allowedModels & (1L << m)) != 0) {
                total += cardsOfModel[m];
            }
        }
        return total;
    }

    public int nodes() {
        return model.length;
    }

    public int totalCards() {
        return totalCards;
    }

    public String nodeName(int node) {
        return nodeNames[node];
    }

    public int cards(int node) {
        return cards[node];
    }

    public int model(int node) {
        return model[node];
    }

    public long cpu(int node) {
        return cpu[node];
    }

    public long memory(int node) {
        return memory[node];
    }

    public List<String> models() {
        return models;
    }

    /** The model id of a model name, or -1 if no node has it. */
    public int modelId(String name) {
        return models.indexOf(name);
    }

    /**
     * The cards of a model that a job's CPU and memory take at the model's CPU and memory per card (the larger of
     * the two), in milli-cards: a job asking more of them than its own milli-cards takes, over the model's nodes, the
     * CPU or memory of cards it does not use.
     */
    public double besideCardsOfModel(int model, long cpuMilli, long memoryMib) {
        double byCpu = cpuMilli * (double) MILLI_PER_CARD / Math.max(1.0, cpuPerCardOfModel[model]);
        double byMemory = memoryMib * (double) MILLI_PER_CARD / Math.max(1.0, memoryPerCardOfModel[model]);
        return Math.max(byCpu, byMemory);
    }

    private static long[][] largest(java.util.Collection<List<Long>> classes) {
        List<long[]> shapes = classes.stream().map(c -> c.stream().mapToLong(Long::longValue).toArray()).toList();
        List<long[]> kept = new java.util.ArrayList<>();
        for (long[] c : shapes) {
            boolean exceeded = false;
            for (long[] o : shapes) {
                if (o != c && o[0] == c[0] && o[1] >= c[1] && o[2] >= c[2] && o[3] >= c[3]
                        && (o[1] > c[1] || o[2] > c[2] || o[3] > c[3])) {
                    exceeded = true;
                    break;
                }
            }
            if (!exceeded) {
                kept.add(c);
            }
        }
        return kept.toArray(long[][]::new);
    }

    /**
     * Whether some node has, when empty, the cards, CPU and memory a one-node job asks: of an allowed model for a job
     * of cards, any node for a job without.
     */
    public boolean someNodeCarries(long allowedModels, int gpus, long cpuMilli, long memoryMib) {
        for (long[] c : classShape) {
            boolean model = gpus == 0 || (allowedModels & (1L << c[0])) != 0;
            if (model && c[1] >= gpus && c[2] >= cpuMilli && c[3] >= memoryMib) {
                return true;
            }
        }
        return false;
    }

    /** The most cards of the allowed models one block holds: a gang that must stay in one block cannot be larger. */
    public long maxCardsInOneBlock(long allowedModels) {
        long[] perBlock = new long[blocks];
        long max = 0;
        for (int n = 0; n < model.length; n++) {
            if ((allowedModels & (1L << model[n])) != 0) {
                perBlock[block[n]] += cards[n];
                max = Math.max(max, perBlock[block[n]]);
            }
        }
        return max;
    }

    /** The most cards one node of an allowed model offers: a job with more cards must span nodes. */
    public int maxCardsOnOneNode(long allowedModels) {
        int max = 0;
        for (int m = 0; m < maxCardsOfModel.length; m++) {
            if ((allowedModels & (1L << m)) != 0) {
                max = Math.max(max, maxCardsOfModel[m]);
            }
        }
        return max;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Adds nodes one by one; interns model, rack and block names. At most 64 models (a job's model set is a long). */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<Integer> model = new ArrayList<>();
        private final List<Integer> cards = new ArrayList<>();
        private final List<Long> cpu = new ArrayList<>();
        private final List<Long> memory = new ArrayList<>();
        private final List<Integer> rack = new ArrayList<>();
        private final List<Integer> block = new ArrayList<>();
        private final Map<String, Integer> models = new HashMap<>();
        private final Map<String, Integer> racks = new HashMap<>();
        private final Map<String, Integer> blocks = new HashMap<>();

        public Builder node(String name, String gpuModel, int gpus, long cpuMilli, long memoryMib, String rackName,
                String blockName) {
            names.add(name);
            // A node of cards without a model name has cards of the model "", which no job names: any-model jobs
            // use them (as the reference checker lets them); a node without cards has no model.
            String modelName = gpuModel == null ? "" : gpuModel;
            int m = modelName.isEmpty() && gpus == 0 ? -1 : models.computeIfAbsent(modelName, k -> models.size());
            if (models.size() > 64) {
                throw new IllegalArgumentException("at most 64 card models");
            }
            model.add(Math.max(m, 0));
            cards.add(m < 0 ? 0 : gpus);
            cpu.add(cpuMilli);
            memory.add(memoryMib);
            rack.add(racks.computeIfAbsent(rackName, k -> racks.size()));
            block.add(blocks.computeIfAbsent(blockName, k -> blocks.size()));
            return this;
        }

        public int modelId(String name) {
            Integer id = models.get(name);
            return id == null ? -1 : id;
        }

        public Topology build() {
            return new Topology(this);
        }
    }
}
