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

@Path("/api/v1/tenants/{tenantId}/projects/{projectId}/quotas")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "quota")
public class ProjectQuotaResource {

    static final String READ_CODES = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT, PROJECT_NOT_FOUND";

    private final QuotaService quotas;
    private final CurrentCaller callers;

    ProjectQuotaResource(QuotaService quotas, CurrentCaller callers) {
        this.quotas = quotas;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = READ_CODES)
    @Operation(operationId = "getProjectQuotas", summary = "A project's quotas")
    public Uni<QuotasView> get(@PathParam("tenantId") UUID tenantId, @PathParam("projectId") UUID projectId) {
        return quotas.projectQuotas(callers.get(), tenantId, projectId);
    }

    @PUT
    @Extension(name = "x-problem-codes", value = READ_CODES + ", CLUSTER_NOT_FOUND, DUPLICATE_LIMIT, QUOTA_EXCEEDS_TENANT")
    @Operation(operationId = "setProjectQuotas", summary = "Set a project's quotas (tenant admin)",
            description = "Replaces them whole; every limit and the budget must fit within the tenant's. With "
                    + "`If-Match` (the `ETag` of `getProjectQuotas`), only if they have not changed since.")
    public Uni<QuotasView> set(@PathParam("tenantId") UUID tenantId, @PathParam("projectId") UUID projectId,
            @Valid @NotNull Quotas body, @HeaderParam("If-Match") String ifMatch) {
        return quotas.setProjectQuotas(callers.get(), tenantId, projectId, body, ifMatch);
    }
}
