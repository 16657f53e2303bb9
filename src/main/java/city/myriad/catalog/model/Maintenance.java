package city.myriad.catalog.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A maintenance window of some of a cluster's nodes, scheduled by its operator: from {@code startAt} until it ends
 * ({@link #endsAt}) the nodes take no job, and the calendar sells none of their cards. Its state follows from the
 * clock and the two marks ({@link MaintenanceState#of}).
 */
@Entity
@Table(name = "maintenance_windows")
public class Maintenance {
    @Id
    public UUID id;
    @Column(name = "cluster_id")
    public UUID clusterId;
    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] nodes;
    @Column(name = "start_at")
    public Instant startAt;
    /** The planned end. */
    @Column(name = "end_at")
    public Instant endAt;
    public String reason;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;
    /** Called off before it began: its nodes were never taken out. */
    @Column(name = "cancelled_at")
    public Instant cancelledAt;
    /** Ended before its planned end: the work was done, the nodes are back. */
    @Column(name = "completed_at")
    public Instant completedAt;

    /** When its nodes are back: the planned end, or the earlier completion; its start if it was cancelled. */
    public Instant endsAt() {
        if (cancelledAt != null) {
            return startAt;
        }
        return completedAt != null && completedAt.isBefore(endAt) ? completedAt : endAt;
    }
}
