package city.myriad.allocation;

/** The outcome of trying to place one job now. Rejections carry a stable reason code. */
public sealed interface PlacementResult permits PlacementResult.Placed, PlacementResult.Deferred,
        PlacementResult.Rejected {

    /** The job runs here from now on. */
    record Placed(Placement placement) implements PlacementResult {}

    /**
     * The job could run on this cluster, but not now: not enough free capacity of an allowed model, or (the default
     * policy, for jobs that never end) no place where it would not strand more cards than it takes.
     */
    record Deferred(Reason reason) implements PlacementResult {}

    /** The job can never run on this cluster as it is (or is refused by admission). */
    record Rejected(Reason reason) implements PlacementResult {}

    /** Stable reason codes. */
    enum Reason {
        NO_NODE_WITH_FREE_CARDS,
        NO_NODE_WITH_FREE_CPU_OR_MEMORY,
        NO_ALLOWED_MODEL,
        LARGER_THAN_CLUSTER,
        /** It belongs on one node, and no node of an allowed model has its cards, CPU and memory at once. */
        NO_NODE_LARGE_ENOUGH,
        /** A gang that must stay inside one block is larger than every block's cards of its models. */
        NO_BLOCK_LARGE_ENOUGH,
        QUOTA_EXCEEDED,
        BUDGET_EXCEEDED,
        /** It fits, but every place for it would leave more free cards useless than it takes (never-ending work). */
        WOULD_STRAND_CARDS
    }
}
