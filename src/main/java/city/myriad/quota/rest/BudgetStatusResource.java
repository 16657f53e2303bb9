package city.myriad.quota.rest;

import city.myriad.platform.security.CurrentCaller;
import city.myriad.quota.mapping.QuotaApi.BudgetStatusView;
import city.myriad.quota.service.QuotaService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** How much of a tenant's or a project's budget is committed this month: the headroom admission checks against. */
@Path("/api/v1/tenants/{tenantId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "quota")
public class BudgetStatusResource {

    private static final String WHAT = "Read live, as admission reads it: a job is refused (BUDGET_EXCEEDED) when its "
            + "projection would take `committed` past `budget`, so `remaining` is the largest projection or "
            + "reservation that still fits. Any role of the tenant; platform admins.";

    private final QuotaService quotas;
    private final CurrentCaller callers;

    BudgetStatusResource(QuotaService quotas, CurrentCaller callers) {
        this.quotas = quotas;
        this.callers = callers;
    }

    @GET
    @Path("/budget")
    @Extension(name = "x-problem-codes", value = TenantQuotaResource.READ_CODES)
    @Operation(operationId = "getTenantBudget", summary = "The tenant's budget this month: committed and remaining",
            description = WHAT)
    public Uni<BudgetStatusView> tenant(@PathParam("tenantId") UUID tenantId) {
        return quotas.budgetStatus(callers.get(), tenantId, null);
    }

    @GET
    @Path("/projects/{projectId}/budget")
    @Extension(name = "x-problem-codes", value = ProjectQuotaResource.READ_CODES)
    @Operation(operationId = "getProjectBudget", summary = "A project's budget this month: committed and remaining",
            description = WHAT + " The tenant's budget bounds its projects' too: read both.")
    public Uni<BudgetStatusView> project(@PathParam("tenantId") UUID tenantId,
            @PathParam("projectId") UUID projectId) {
        return quotas.budgetStatus(callers.get(), tenantId, projectId);
    }
}
