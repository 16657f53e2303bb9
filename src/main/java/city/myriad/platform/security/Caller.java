package city.myriad.platform.security;

import java.util.Optional;
import java.util.Set;

/**
 * Who is calling, as the token says: the subject, the realm roles, and the tenant or operator the identity
 * belongs to (claims {@code tenant} and {@code operator}, slugs; see docs/design/tenant-in-token.md).
 * Every use case takes the caller; nothing reads the security context further down.
 */
public record Caller(String subject, String username, Set<String> roles, Optional<String> tenantSlug,
        Optional<String> operatorSlug) {

    public static final String PLATFORM_ADMIN = "platform-admin";
    public static final String OPERATOR = "operator";
    public static final String TENANT_ADMIN = "tenant-admin";
    public static final String TENANT_MEMBER = "tenant-member";
    public static final String BILLING_VIEWER = "billing-viewer";

    /** The roles that exist only within one tenant. */
    public static final Set<String> TENANT_ROLES = Set.of(TENANT_ADMIN, TENANT_MEMBER, BILLING_VIEWER);

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean is(String role) {
        return roles.contains(role);
    }

    public boolean isPlatformAdmin() {
        return is(PLATFORM_ADMIN);
    }
}
