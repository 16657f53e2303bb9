package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.NodeHistoryEntry;
import city.myriad.catalog.repository.NodeHistoryRepository;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * A node's states over time (listNodeHistory), newest first: when it went down, was drained, came back, was removed.
 * The cluster's operator and platform admins only, as the node itself; a removed node's history stays readable; a node
 * the cluster never had is 404 NODE_NOT_FOUND.
 */
@ApplicationScoped
public class NodeHistory {

    private final Scoped scoped;
    private final ClusterSupply clusters;
    private final NodeRepository nodes;
    private final NodeHistoryRepository history;

    NodeHistory(Scoped scoped, ClusterSupply clusters, NodeRepository nodes, NodeHistoryRepository history) {
        this.scoped = scoped;
        this.clusters = clusters;
        this.nodes = nodes;
        this.history = history;
    }

    public Uni<Page<NodeHistoryEntry>> of(Caller caller, UUID clusterId, String nodeName, PageRequest page) {
        Long before = page.afterLong();
        return clusters.managed(caller, clusterId)
                .chain(c -> scoped.unscoped(() -> history.page(c.id(), nodeName, before, page.limit() + 1)
                        .chain(rows -> !rows.isEmpty() || before != null ? Uni.createFrom().item(rows)
                                : nodes.findByName(c.id(), nodeName).map(n -> {
                                    if (n == null) {
                                        throw new MyriadProblem.NotFound(ProblemCode.NODE_NOT_FOUND, "No node '"
                                                + nodeName + "' in cluster " + clusterId);
                                    }
                                    return rows;
                                }))))
                .map(rows -> page.page(rows, e -> Long.toString(e.id())).map(e -> new NodeHistoryEntry(e.state(),
                        e.gpuModel(), e.cards(), e.cardsOut(), e.at())));
    }

    /**
     * Records that the cluster's nodes were in service since {@code since} (each node's first recorded state moved
     * back to it, where later): what a platform admin migrating a cluster's accounting records with its past runs
     * (jobs' {@code PastRuns}), so that its occupancy over that time counts the cards those runs ran on. The dev
     * start's demo month uses it (demo.DemoHistory); no route exposes it. Platform admins only. Answers how many nodes
     * moved (0 when recorded before).
     */
    public Uni<Integer> inServiceSince(Caller caller, UUID clusterId, java.time.Instant since) {
        if (!caller.isPlatformAdmin()) {
            throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED, "Only platform admins record "
                    + "when a cluster's nodes came into service");
        }
        return scoped.asPlatform(() -> history.firstKnownAt(clusterId, since));
    }
}
