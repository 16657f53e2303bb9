package city.myriad.market.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A reservation's window made longer: the same cards from {@code fromAt} (its end before) to {@code toAt}, bought
 * at the RESERVED price of the book in force when it was extended, and billed once, in the period it was bought.
 * Never changed once written.
 */
@Entity
@Table(name = "reservation_extensions")
public class ReservationExtension {
    @Id
    public UUID id;
    @Column(name = "reservation_id")
    public UUID reservationId;
    @Column(name = "tenant_id")
    public UUID tenantId;
    @Column(name = "from_at")
    public Instant fromAt;
    @Column(name = "to_at")
    public Instant toAt;
    public int cards;
    @Column(name = "price_book_version")
    public int priceBookVersion;
    public String currency;
    @Column(name = "unit_price_minor")
    public long unitPriceMinor;
    @Column(name = "total_minor")
    public long totalMinor;
    @Column(name = "created_at")
    public Instant createdAt;
}
