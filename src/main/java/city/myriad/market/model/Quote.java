package city.myriad.market.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A priced shape and the earliest start the cluster can honour, valid until {@code expiresAt}. */
@Entity
@Table(name = "quotes")
public class Quote {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public UUID tenantId;
    @Column(name = "cluster_id")
    public UUID clusterId;
    public String model;
    public int cards;
    @Column(name = "price_class")
    public String priceClass;
    @Column(name = "same_block")
    public boolean sameBlock;
    @Column(name = "start_at")
    public Instant startAt;
    @Column(name = "end_at")
    public Instant endAt;
    @Column(name = "max_run_seconds")
    public Long maxRunSeconds;
    /** A job's CPU in thousandths of a core, 0 if it asks none (and for a reservation). */
    @Column(name = "cpu_milli")
    public long cpuMilli;
    /** A job's memory in MiB, 0 if it asks none (and for a reservation). */
    @Column(name = "memory_mib")
    public long memoryMib;
    @Column(name = "price_book_version")
    public int priceBookVersion;
    public String currency;
    @Column(name = "unit_price_minor")
    public long unitPriceMinor;
    @Column(name = "total_minor")
    public long totalMinor;
    @Column(name = "earliest_start_at")
    public Instant earliestStartAt;
    /** A job's quote: the notBefore it was asked for (null: as soon as it can). */
    @Column(name = "not_before")
    public Instant notBefore;
    /** A job's quote: the priority among the tenant's jobs it was asked for (0: normal). */
    public int priority;
    /** A job's quote: the project whose card limits it counted (null: the tenant's only). */
    @Column(name = "project_id")
    public UUID projectId;
    @Column(name = "expires_at")
    public Instant expiresAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;
    /** The reservation or job that used it (a quote prices one purchase), null while unused. Read only. */
    @org.hibernate.annotations.Formula("(select u.used_by from quote_uses u where u.quote_id = id)")
    public UUID usedBy;
}
