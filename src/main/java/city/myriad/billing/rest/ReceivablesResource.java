package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.ReceivablesAgingView;
import city.myriad.billing.service.ReceivablesAging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What the marketplace is owed, aged: the finance team's receivables report. */
@Path("/api/v1/billing/receivables-aging")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class ReceivablesResource {

    private final ReceivablesAging aging;
    private final CurrentCaller callers;

    ReceivablesResource(ReceivablesAging aging, CurrentCaller callers) {
        this.aging = aging;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, VALIDATION_FAILED")
    @Operation(operationId = "getReceivablesAging", summary = "What tenants owe, by days past due (platform admin)",
            description = "Every tenant that owes anything in the currency at `asOf` (now when left out; a past "
                    + "instant gives what the books said then), with what it owes not yet due and 1-30, 31-60, 61-90 "
                    + "and over 90 days past the due date, and the totals. From the ledger: each tenant's total now "
                    + "is its `getBalance` receivable to the minor unit.")
    public Uni<ReceivablesAgingView> get(
            @Parameter(description = "ISO 4217, like CNY", required = true) @QueryParam("currency") String currency,
            @Parameter(description = "An ISO-8601 instant, not in the future; now when left out")
            @QueryParam("asOf") String asOf) {
        return aging.aging(callers.get(), currency, asOf);
    }
}
