package city.myriad.catalog.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A city (or its contractor) that runs clusters and is settled its share of what they earn. */
@Entity
@Table(name = "operators")
public class Operator {
    @Id
    public UUID id;
    public String slug;
    public String name;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;
}
