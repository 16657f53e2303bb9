package city.myriad.market.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * A block of cards a tenant bought: {@code cards} of {@code model} on a cluster from {@code startAt} to
 * {@code endAt}, paid whether used or not, at the price of the price book version it was sold at; its window may
 * have been extended since ({@link ReservationExtension}), each extension at the price in force then. Its stored
 * status is CONFIRMED or CANCELLED; ACTIVE and ENDED follow from the clock ({@link ReservationState}).
 */
@Entity
@Table(name = "reservations")
public class Reservation {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public UUID tenantId;
    @Column(name = "project_id")
    public UUID projectId;
    @Column(name = "cluster_id")
    public UUID clusterId;
    public String model;
    public int cards;
    @Column(name = "start_at")
    public Instant startAt;
    /** The window's end now: {@link #boughtEndAt}, or later once extended. */
    @Column(name = "end_at")
    public Instant endAt;
    /** The window's end as bought. */
    @Column(name = "bought_end_at")
    public Instant boughtEndAt;
    @Column(name = "same_block")
    public boolean sameBlock;
    public String block;
    public String status;
    @Column(name = "price_book_version")
    public int priceBookVersion;
    public String currency;
    @Column(name = "unit_price_minor")
    public long unitPriceMinor;
    /** The purchase's total, for the window as bought. */
    @Column(name = "total_minor")
    public long totalMinor;
    /** The totals of its extensions (each one billed in the period it was bought). */
    @Column(name = "extended_minor")
    public long extendedMinor;
    @Column(name = "cancellation_fee_minor")
    public Long cancellationFeeMinor;
    @Column(name = "cancelled_at")
    public Instant cancelledAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;
    /**
     * The cards it is short of now (the scheduling loop's open shortfall: nodes of its model out of service and none
     * to stand in), null when it holds all it bought. Read only; billing credits the card time not delivered.
     */
    @org.hibernate.annotations.Formula("(select s.cards from reservation_shortfalls s "
            + "where s.reservation_id = id and s.ended_at is null)")
    public Integer cardsShort;
}
