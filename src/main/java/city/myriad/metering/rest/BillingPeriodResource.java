package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.PeriodView;
import city.myriad.metering.service.UsageReports;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/billing/periods/{period}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class BillingPeriodResource {

    static final String CODES = "INVALID_PERIOD, PLATFORM_ADMIN_REQUIRED";

    private final UsageReports reports;
    private final CurrentCaller callers;

    BillingPeriodResource(UsageReports reports, CurrentCaller callers) {
        this.reports = reports;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = CODES)
    @Operation(operationId = "getBillingPeriod", summary = "A billing period's state (platform admin)")
    public Uni<PeriodView> get(@PathParam("period") String period) {
        return reports.period(callers.get(), period);
    }

    @POST
    @Path("/close")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = CODES + ", PERIOD_NOT_ENDED")
    @Operation(operationId = "closePeriod", summary = "Close a billing period (platform admin)",
            description = "A month that has ended, like 2026-11. After the close no usage lands in it: usage of its "
                    + "hours that arrives later (a late usage event) is billed in the next open period as an "
                    + "adjustment. Idempotent: closing a closed period answers it unchanged. Rating, the ledger and "
                    + "invoices will hang off this close (billing).")
    public Uni<PeriodView> close(@PathParam("period") String period) {
        return reports.close(callers.get(), period);
    }
}
