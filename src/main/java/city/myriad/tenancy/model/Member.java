package city.myriad.tenancy.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A person (or integration) acting for one tenant, with tenant roles. The identity provider holds the
 * credentials; this row is the tenant's view of its people.
 */
@Entity
@Table(name = "members")
public class Member {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public UUID tenantId;
    public String username;
    public String email;
    @Column(name = "first_name")
    public String firstName;
    @Column(name = "last_name")
    public String lastName;
    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] roles;
    @Column(name = "identity_user_id")
    public String identityUserId;
    @Column(name = "created_at")
    public Instant createdAt;
    @Version
    public long version;

    public Set<String> roleSet() {
        return new TreeSet<>(Arrays.asList(roles));
    }

    public void assignRoles(Set<String> newRoles) {
        this.roles = new TreeSet<>(newRoles).toArray(String[]::new);
    }
}
