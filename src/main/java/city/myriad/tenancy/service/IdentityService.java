package city.myriad.tenancy.service;

import city.myriad.catalog.service.OperatorLookup;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.mapping.TenancyApi.Me;
import city.myriad.tenancy.mapping.TenancyApi.OperatorRef;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.TreeSet;

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
                caller.subject(), caller.username(), List.copyOf(new TreeSet<>(caller.roles())), tenant,
                op == null ? null : new OperatorRef(op.id(), op.slug(), op.name()))));
    }
}
