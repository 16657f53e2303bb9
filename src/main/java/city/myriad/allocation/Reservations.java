package city.myriad.allocation;

/**
 * Capacity held for one tenant (a reserved block of cards bought in the marketplace): the nodes a tenant holds
 * take that tenant's jobs, and other tenants' preemptible jobs only while the holder leaves the cards idle (the
 * holder's non-preemptible job evicts them at once). A node may also be out of service (down or draining): it
 * takes no new job. Declared here, where it is used; the service implements it from its reservations and node
 * states, by node index of the {@link Topology}.
 */
@FunctionalInterface
public interface Reservations {

    /** The tenant holding this node now, or {@link #NONE}. */
    int holder(int node);

    int NONE = -1;

    /** A node that takes no new job: down, or draining what runs on it. */
    int OUT_OF_SERVICE = -3;

    Reservations NONE_HELD = node -> NONE;
}
