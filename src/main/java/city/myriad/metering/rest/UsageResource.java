package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.DiscrepancyView;
import city.myriad.metering.mapping.MeteringApi.UsageView;
import city.myriad.metering.service.UsageReports;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/usage")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class UsageResource {

    static final String TENANT_CODES = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, TENANT_NOT_FOUND";

    private final UsageReports reports;
    private final CurrentCaller callers;
    private final Paging paging;

    UsageResource(UsageReports reports, CurrentCaller callers, Paging paging) {
        this.reports = reports;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", VALIDATION_FAILED, PLATFORM_ADMIN_REQUIRED, "
            + "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, PROJECT_NOT_FOUND, CLUSTER_NOT_FOUND, "
            + "NOT_CLUSTER_OPERATOR")
    @Operation(operationId = "getUsage", summary = "Usage over a window, grouped",
            description = "Card-seconds (and GPU-hours), cost at the prices the jobs were sold at, credits, and what "
                    + "the agents measured, over [from, to) by the hour the cards ran, grouped by project, cluster, "
                    + "model, class, hour, day, the billing period it is billed in (period: usage of a closed "
                    + "period's hours that came late shows under the next period) or the value of one of the jobs' "
                    + "tags (groupBy=tag with tagKey: showback by team or cost centre; jobs without it under a null "
                    + "key; measured usage not given), and currency. A tenant sees its own; a platform admin everyone's "
                    + "or one tenant's (tenantId); an operator the usage on its clusters (not by project). projectId "
                    + "narrows it to one project of the tenant read (a platform admin names the tenant too), "
                    + "clusterId to one cluster (an operator's own). Lines hold ended runs; runningCardSeconds gives "
                    + "the runs going on, to now, narrowed alike.")
    public Uni<UsageView> usage(
            @Parameter(required = true, description = "ISO-8601 instant", example = "2026-11-01T00:00:00Z")
            @QueryParam("from") String from,
            @Parameter(required = true, description = "ISO-8601 instant, after from", example = "2026-12-01T00:00:00Z")
            @QueryParam("to") String to,
            @Parameter(description = "Default day; tag: by the value of the jobs' tag `tagKey` (tenants and platform "
                    + "admins)", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"project", "cluster", "model", "class", "hour", "day", "period", "tag"}))
            @QueryParam("groupBy") String groupBy,
            @Parameter(description = "With groupBy=tag: the tag key whose values group the usage, as team",
                    example = "team") @QueryParam("tagKey") String tagKey,
            @Parameter(description = "Platform admins: one tenant's usage") @QueryParam("tenantId") UUID tenantId,
            @Parameter(description = "One project of the tenant read; not for operators") @QueryParam("projectId")
            UUID projectId,
            @Parameter(description = "One cluster (an operator: one of its own)") @QueryParam("clusterId")
            UUID clusterId) {
        return reports.usage(callers.get(), from, to, groupBy, tagKey, tenantId, projectId, clusterId);
    }

    @GET
    @Path("/discrepancies")
    @Extension(name = "x-problem-codes", value = "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN")
    @Operation(operationId = "listUsageDiscrepancies", summary = "Jobs whose measured usage disagrees (operator)",
            description = "Ended jobs whose usage events differ from their lifecycle by more than the tolerance "
                    + "(1% and 60 card-seconds by default): on the caller's clusters, or all for platform admins. "
                    + "The lifecycle bills; these are for the operator to look into.")
    public Uni<Page<DiscrepancyView>> discrepancies(@QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return reports.discrepancies(callers.get(), paging.request(cursor, limit));
    }
}
