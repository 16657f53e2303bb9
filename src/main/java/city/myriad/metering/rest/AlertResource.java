package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.AlertView;
import city.myriad.metering.service.Alerts;
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

@Path("/api/v1/alerts")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class AlertResource {

    private final Alerts alerts;
    private final CurrentCaller callers;
    private final Paging paging;

    AlertResource(Alerts alerts, CurrentCaller callers, Paging paging) {
        this.alerts = alerts;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", VALIDATION_FAILED, PROJECT_NOT_FOUND")
    @Operation(operationId = "listAlerts", summary = "Budget and GPU-hour alerts, newest first, optionally of one "
            + "project, period and measure",
            description = "One alert per threshold crossed (50, 80 and 100% unless the quotas set others) per tenant "
                    + "or project, measure and period (the forecast's once a month, a spend anomaly's once a day), "
                    + "with its webhook delivery's state.")
    public Uni<Page<AlertView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @Parameter(description = "Platform admins: this tenant's") @QueryParam("tenantId") UUID tenantId,
            @Parameter(description = "One project's alerts (of the tenant read)") @QueryParam("projectId")
            UUID projectId,
            @Parameter(description = "The alerts of one billing period, yyyy-MM (with the spend anomalies of its days)",
                    example = "2026-11")
            @QueryParam("period") String period,
            @Parameter(description = "The alerts of one measure, e.g. only the spend anomalies", schema = @Schema(
                    type = SchemaType.STRING, enumeration = {"BUDGET", "GPU_HOURS", "BUDGET_FORECAST",
                            "SPEND_ANOMALY"})) @QueryParam("measure") String measure) {
        return alerts.list(callers.get(), tenantId, projectId, period, measure, paging.request(cursor, limit));
    }
}
