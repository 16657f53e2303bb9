package city.myriad.allocation;

/**
 * Capacity held for one tenant (a reserved block of cards bought in the marketplace): the nodes a tenant holds
 * take that tenant's jobs, and other tenants' preemptible jobs only while the holder leaves the cards idle (the
 * holder's non-preemptible job evicts them at once). A node may also be out of service (down or draining): it
 * takes no new job. A node may also be kept for a reservation whose window has not begun ({@link #nextHolder}):
 * until then it takes other tenants' non-preemptible jobs only if they are declared to end before the window
 * begins, so that the window finds it free of work its holder could not reclaim (Slurm keeps its reservations' nodes
 * the same way). Declared here, where it is used; the service implements it from its reservations and node states,
 * by node index of the {@link Topology}.
 */
@FunctionalInterface
public interface Reservations {

    /** The tenant holding this node now, or {@link #NONE}. */
    int holder(int node);

    int NONE = -1;

    /**
     * The tenant of the reservation that will hold this node from {@link #nextHoldFromS}, {@link #MAINTENANCE} if
     * the node is taken out for maintenance then, or {@link #NONE}.
     */
    default int nextHolder(int node) {
        return NONE;
    }

    /** When the node's next hold begins, in the core's seconds; positive infinity when there is none. */
    default double nextHoldFromS(int node) {
        return Double.POSITIVE_INFINITY;
    }

    /** A node that takes no new job: down, or draining what runs on it. */
    int OUT_OF_SERVICE = -3;

    /**
     * The next "holder" of a node whose maintenance begins at {@link #nextHoldFromS}: no tenant's, so every tenant's
     * non-preemptible job placed there must be declared to end by then (a preemptible one is stopped then).
     */
    int MAINTENANCE = -4;

    Reservations NONE_HELD = node -> NONE;
}
