package city.myriad.catalog.repository;

import city.myriad.catalog.model.Cluster;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ClusterRepository implements PanacheRepositoryBase<Cluster, UUID> {

    public Uni<Boolean> slugTaken(UUID operatorId, String slug) {
        return count("operatorId = ?1 and slug = ?2", operatorId, slug).map(n -> n > 0);
    }

    /** All clusters, or only {@code operatorId}'s when it is not null; oldest first. */
    public Uni<List<Cluster>> page(UUID operatorId, UUID after, int limit) {
        if (operatorId == null) {
            return (after == null ? find("order by id") : find("id > ?1 order by id", after)).page(0, limit).list();
        }
        return (after == null ? find("operatorId = ?1 order by id", operatorId)
                : find("operatorId = ?1 and id > ?2 order by id", operatorId, after)).page(0, limit).list();
    }
}
