package city.myriad.catalog.service;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A port through which the domains built on the catalog may refuse a maintenance window ({@code createMaintenance}, {@code updateMaintenance}):
 * the marketplace while the reservations sold need the nodes' cards during it. Asked in the window's transaction,
 * under the cluster's schedule lock; it fails with a 409 problem to refuse. The catalog depends on none of them.
 */
public interface MaintenanceCheck {

    /** A node the window takes out, as it is now. {@code model} is null for a node without cards. */
    record NodeOut(String name, String model, int cards, String block, String state) {}

    /** The window about to be made, or to replace window {@code replacing} (null for a new one) when it is moved. */
    record Window(UUID clusterId, Instant startAt, Instant endAt, List<NodeOut> nodes, UUID replacing) {}

    /** Completes if the window may be made; fails with a {@code MyriadProblem} (409) naming why not. */
    Uni<Void> check(Window window);
}
