package city.myriad.tenancy.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A tenant's unit of work and accounting: quotas and usage roll up project → tenant. */
@Entity
@Table(name = "projects")
public class Project {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public UUID tenantId;
    public String slug;
    public String name;
    public String description;
    @Column(name = "created_at")
    public Instant createdAt;
    /** When a tenant-admin archived it (no new work); null while it is active. */
    @Column(name = "archived_at")
    public Instant archivedAt;
    @Column(name = "archived_by")
    public String archivedBy;
    @Version
    public long version;

    public static Project create(UUID id, UUID tenantId, String slug, String name, String description, Instant now) {
        Project p = new Project();
        p.id = id;
        p.tenantId = tenantId;
        p.slug = slug;
        p.name = name;
        p.description = description;
        p.createdAt = now;
        return p;
    }

    public boolean archived() {
        return archivedAt != null;
    }
}
