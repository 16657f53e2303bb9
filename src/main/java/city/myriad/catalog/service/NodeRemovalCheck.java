package city.myriad.catalog.service;

import io.smallrye.mutiny.Uni;
import java.util.UUID;

/**
 * A port through which the domains built on the catalog may refuse a node's removal ({@code removeNode}): the jobs
 * domain while jobs run on it, the marketplace while reservations sold need its cards. Each is asked in the
 * removal's transaction, the node's row locked; it fails with a 409 problem to refuse. The catalog depends on
 * neither: they implement this.
 */
public interface NodeRemovalCheck {

    /** The node about to be removed, as it is now. {@code model} is null for a node without cards. */
    record Removal(UUID clusterId, String node, String model, int cards, String block, String state) {}

    /** Completes if the node may go; fails with a {@code MyriadProblem} (409) naming why not. */
    Uni<Void> check(Removal removal);
}
