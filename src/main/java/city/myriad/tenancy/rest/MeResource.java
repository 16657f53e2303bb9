package city.myriad.tenancy.rest;

import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.tenancy.mapping.TenancyApi.Me;
import city.myriad.tenancy.service.IdentityService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/me")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "identity")
public class MeResource {

    private final IdentityService identity;
    private final CurrentCaller callers;

    MeResource(IdentityService identity, CurrentCaller callers) {
        this.identity = identity;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "")
    @Operation(operationId = "getMe", summary = "Who am I",
            description = "The caller as the bearer token says: user, realm roles, and the tenant or operator.")
    public Uni<Me> me() {
        return identity.me(caller());
    }

    private Caller caller() {
        return callers.get();
    }
}
