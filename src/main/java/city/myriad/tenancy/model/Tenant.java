package city.myriad.tenancy.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A customer organisation of the marketplace; everything it owns carries its id. Its slug never changes. */
@Entity
@Table(name = "tenants")
public class Tenant {
    @Id
    public UUID id;
    public String slug;
    public String name;
    public String status;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;

    public static Tenant create(UUID id, String slug, String name, Instant now) {
        Tenant t = new Tenant();
        t.id = id;
        t.slug = slug;
        t.name = name;
        t.status = "ACTIVE";
        t.createdAt = now;
        return t;
    }
}
