package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.PeriodView;
import city.myriad.billing.service.PeriodClose;
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
@Tag(name = "billing")
public class BillingPeriodResource {

    static final String CODES = "INVALID_PERIOD, PLATFORM_ADMIN_REQUIRED";

    private final PeriodClose periods;
    private final CurrentCaller callers;

    BillingPeriodResource(PeriodClose periods, CurrentCaller callers) {
        this.periods = periods;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = CODES)
    @Operation(operationId = "getBillingPeriod", summary = "A billing period's state (platform admin)")
    public Uni<PeriodView> get(@PathParam("period") String period) {
        return periods.get(callers.get(), period);
    }

    @POST
    @Path("/close")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = CODES + ", PERIOD_NOT_ENDED, EARLIER_PERIOD_OPEN")
    @Operation(operationId = "closePeriod", summary = "Close a billing period: rate, write the ledger, issue the "
            + "invoices (platform admin)",
            description = "A month that has ended, like 2026-11, in one transaction: the period stops taking usage "
                    + "(usage of its hours metered later is billed in the next open period, as an adjustment line), "
                    + "every tenant's usage, reservations, commitments and prepaid credit are rated, one invoice per "
                    + "tenant and currency is issued (an invoice of zero is PAID at once), the ledger gets one "
                    + "balanced transaction per invoice, and the invoices are queued for Stripe. Idempotent and safe "
                    + "to retry after a crash at any point: closing a closed, invoiced period answers it unchanged. "
                    + "Periods close in order: while an earlier period still has something to bill (a draft "
                    + "invoice, or a commitment's minimum), the close is refused with EARLIER_PERIOD_OPEN, whose "
                    + "`openPeriods` lists them oldest first, and nothing changes.")
    public Uni<PeriodView> close(@PathParam("period") String period) {
        return periods.close(callers.get(), period);
    }
}
