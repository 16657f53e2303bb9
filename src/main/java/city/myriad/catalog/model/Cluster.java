package city.myriad.catalog.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A city-run cluster: blocks of racks of nodes of cards, owned by one operator. */
@Entity
@Table(name = "clusters")
public class Cluster {
    @Id
    public UUID id;
    @Column(name = "operator_id")
    public UUID operatorId;
    public String slug;
    public String name;
    public String region;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;
}
