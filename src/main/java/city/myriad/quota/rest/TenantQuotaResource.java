package city.myriad.quota.rest;

import city.myriad.platform.security.CurrentCaller;
import city.myriad.quota.mapping.QuotaApi.Quotas;
import city.myriad.quota.mapping.QuotaApi.QuotasView;
import city.myriad.quota.service.QuotaService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/tenants/{tenantId}/quotas")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "quota")
public class TenantQuotaResource {

    static final String READ_CODES = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT";

    private final QuotaService quotas;
    private final CurrentCaller callers;

    TenantQuotaResource(QuotaService quotas, CurrentCaller callers) {
        this.quotas = quotas;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = READ_CODES)
    @Operation(operationId = "getTenantQuotas", summary = "A tenant's quotas",
            description = "Concurrent cards per cluster, model and class, and a monthly budget; none set: no limit.")
    public Uni<QuotasView> get(@PathParam("tenantId") UUID tenantId) {
        return quotas.tenantQuotas(callers.get(), tenantId);
    }

    @PUT
    @Extension(name = "x-problem-codes", value = READ_CODES + ", PLATFORM_ADMIN_REQUIRED, CLUSTER_NOT_FOUND, DUPLICATE_LIMIT")
    @Operation(operationId = "setTenantQuotas", summary = "Set a tenant's quotas (platform admin)",
            description = "Replaces them whole. Projects' quotas nest within these. With `If-Match` (the `ETag` of "
                    + "`getTenantQuotas`), only if they have not changed since.")
    public Uni<QuotasView> set(@PathParam("tenantId") UUID tenantId, @Valid @NotNull Quotas body,
            @HeaderParam("If-Match") String ifMatch) {
        return quotas.setTenantQuotas(callers.get(), tenantId, body, ifMatch);
    }
}
