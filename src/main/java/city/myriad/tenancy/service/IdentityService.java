package city.myriad.tenancy.service;

import city.myriad.catalog.service.OperatorLookup;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.mapping.TenancyApi.Me;
import city.myriad.tenancy.mapping.TenancyApi.OperatorRef;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Answers "who am I" from the token and the tenant and operator it names. */
@ApplicationScoped
public class IdentityService {

    private final TenantLookup tenants;
    private final OperatorLookup operators;

    IdentityService(TenantLookup tenants, OperatorLookup operators) {
        this.tenants = tenants;
        this.operators = operators;
    }

    public Uni<Me> me(Caller caller) {
        return tenants.ofOrNull(caller).chain(tenant -> operators.ofOrNull(caller).map(op -> new Me(
                caller.subject(), caller.username(), myriadRoles(caller), tenant,
                op == null ? null : new OperatorRef(op.id(), op.slug(), op.name()))));
    }

    /**
     * The caller's roles that mean something here: a realm gives its accounts others too (Keycloak's default roles
     * on accounts made through its admin API: offline_access, uma_authorization), which grant nothing in Myriad.
     */
    private static List<String> myriadRoles(Caller caller) {
        return caller.roles().stream()
                .filter(r -> r.equals(Caller.PLATFORM_ADMIN) || r.equals(Caller.OPERATOR) || Caller.TENANT_ROLES.contains(r))
                .sorted().toList();
    }
}
