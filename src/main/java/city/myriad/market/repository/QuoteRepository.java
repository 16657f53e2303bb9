package city.myriad.market.repository;

import city.myriad.market.model.Quote;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/** Quotes of one tenant: every method takes the tenant. */
@ApplicationScoped
public class QuoteRepository implements PanacheRepositoryBase<Quote, UUID> {

    public Uni<Quote> find(UUID tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResult();
    }
}
