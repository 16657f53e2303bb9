package city.myriad.market.repository;

import city.myriad.market.model.ReservationExtension;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** The extensions of reservations (every method takes the tenant); written once, never changed. */
@ApplicationScoped
public class ReservationExtensionRepository implements PanacheRepositoryBase<ReservationExtension, UUID> {

    /** The reservation's extensions, in the order they were bought (their windows follow one another). */
    public Uni<List<ReservationExtension>> of(UUID tenantId, UUID reservationId) {
        return find("tenantId = ?1 and reservationId = ?2 order by fromAt", tenantId, reservationId).list();
    }

    public Uni<ReservationExtension> find(UUID tenantId, UUID reservationId, UUID id) {
        return find("tenantId = ?1 and reservationId = ?2 and id = ?3", tenantId, reservationId, id).firstResult();
    }
}
