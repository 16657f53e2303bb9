package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.QuotaUseView;
import city.myriad.jobs.service.QuotaUse;
import city.myriad.platform.security.CurrentCaller;
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

/** A tenant's or a project's card limits and what counts against them now (the jobs domain counts its runs). */
@Path("/api/v1/tenants/{tenantId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "quota")
public class QuotaUseResource {

    private static final String CODES = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT";

    private static final String WHAT = "Each card limit with what counts against it now, as the scheduling loop's "
            + "admission counts it: `inUse` (running, not borrowed), `free`, `queued` (the QUEUED jobs it binds), "
            + "`waitingForQuota` (those of them waiting with reason QUOTA) and, for a class-less limit, `borrowed` "
            + "(SPOT running beyond it on idle capacity). Any role of the tenant; platform admins.";

    private final QuotaUse use;
    private final CurrentCaller callers;

    QuotaUseResource(QuotaUse use, CurrentCaller callers) {
        this.use = use;
        this.callers = callers;
    }

    @GET
    @Path("/quotas/use")
    @Extension(name = "x-problem-codes", value = CODES)
    @Operation(operationId = "getTenantQuotaUse", summary = "The tenant's card limits and their use now",
            description = WHAT + " The tenant's limits count every project's jobs.")
    public Uni<QuotaUseView> tenant(@PathParam("tenantId") UUID tenantId) {
        return use.ofTenant(callers.get(), tenantId);
    }

    @GET
    @Path("/projects/{projectId}/quotas/use")
    @Extension(name = "x-problem-codes", value = CODES + ", PROJECT_NOT_FOUND")
    @Operation(operationId = "getProjectQuotaUse", summary = "A project's card limits and their use now",
            description = WHAT + " A project's limits count its own jobs.")
    public Uni<QuotaUseView> project(@PathParam("tenantId") UUID tenantId, @PathParam("projectId") UUID projectId) {
        return use.ofProject(callers.get(), tenantId, projectId);
    }
}
