package city.myriad.tenancy.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A tenant's machine client (client-credentials grant) with tenant roles. The identity provider holds its secret;
 * this row is the tenant's view of it and the provider's id, the only handle through which it is rotated or deleted.
 */
@Entity
@Table(name = "api_clients")
public class ApiClient {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public UUID tenantId;
    public String name;
    @Column(name = "client_id")
    public String clientId;
    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] roles;
    @Column(name = "provider_id")
    public String providerId;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "secret_rotated_at")
    public Instant secretRotatedAt;

    public Set<String> roleSet() {
        return new TreeSet<>(Arrays.asList(roles));
    }
}
