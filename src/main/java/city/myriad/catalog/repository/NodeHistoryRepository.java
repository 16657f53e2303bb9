package city.myriad.catalog.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A node's states over time, as V71's triggers on nodes keep them: what listNodeHistory reads. */
@ApplicationScoped
public class NodeHistoryRepository {

    /** One change: what the node was from {@code at} (REMOVED: gone, or what it was before its cards changed). */
    public record Entry(long id, String state, String gpuModel, int cards, int cardsOut, Instant at) {}

    /** The node's changes, newest first, those before the entry {@code beforeId} if given, up to {@code limit}. */
    public Uni<List<Entry>> page(UUID clusterId, String node, Long beforeId, int limit) {
        return SessionSql.select("""
                        select id, state, gpu_model, cards, cards_out, at from node_state_history
                         where cluster_id = :cluster and node = :node
                           and (cast(:before as bigint) is null or id < :before)
                         order by id desc limit :limit""")
                .setParameter("cluster", clusterId).setParameter("node", node).setParameter("before", beforeId)
                .setParameter("limit", limit).getResultList()
                .map(rows -> rows.stream().map(r -> new Entry(((Number) r[0]).longValue(), (String) r[1],
                        (String) r[2], ((Number) r[3]).intValue(), ((Number) r[4]).intValue(), SqlTimes.instant(r[5]))).toList());
    }

    /**
     * Moves each node's first change of the cluster back to {@code since} where it is later: the nodes were in
     * service, in the state they were first recorded in, from then. Answers how many nodes moved.
     */
    public Uni<Integer> firstKnownAt(UUID clusterId, Instant since) {
        return SessionSql.select("""
                        update node_state_history h set at = :since
                          from (select distinct on (node) id from node_state_history
                                 where cluster_id = :cluster order by node, at, id) f
                         where h.id = f.id and h.at > :since
                        returning h.id""")
                .setParameter("cluster", clusterId).setParameter("since", SqlTimes.utc(since))
                .getResultList().map(List::size);
    }
}
