package city.myriad.allocation;

/**
 * Capacity held for one tenant (a reserved block of cards bought in the marketplace): the nodes a tenant holds
 * take only that tenant's jobs. Declared here, where it is used; the service implements it from its
 * reservations, by node index of the {@link Topology}.
 */
@FunctionalInterface
public interface Reservations {

    /** The tenant holding this node now, or {@link #NONE}. */
    int holder(int node);

    int NONE = -1;

    Reservations NONE_HELD = node -> NONE;
}
