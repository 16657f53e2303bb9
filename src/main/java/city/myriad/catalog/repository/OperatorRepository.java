package city.myriad.catalog.repository;

import city.myriad.catalog.model.Operator;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class OperatorRepository implements PanacheRepositoryBase<Operator, UUID> {

    public Uni<Operator> findBySlug(String slug) {
        return find("slug", slug).firstResult();
    }

    public Uni<List<Operator>> page(UUID after, int limit) {
        return (after == null ? find("order by id") : find("id > ?1 order by id", after)).page(0, limit).list();
    }
}
