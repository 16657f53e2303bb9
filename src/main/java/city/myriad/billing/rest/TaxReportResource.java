package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.TaxReportView;
import city.myriad.billing.service.TaxReport;
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

/** The tax the marketplace owes for a window: what a finance team files its VAT or GST return from. */
@Path("/api/v1/billing/tax-report")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class TaxReportResource {

    private final TaxReport report;
    private final CurrentCaller callers;

    TaxReportResource(TaxReport report, CurrentCaller callers) {
        this.report = report;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, VALIDATION_FAILED")
    @Operation(operationId = "getTaxReport", summary = "The tax owed for a window (platform admin)",
            description = "The documents dated in [from, to) in one currency: the invoices issued, by tax rate, with "
                    + "their sales (subtotals) and tax; every document that moved tax (invoices issued, credit notes "
                    + "and their voids, refunds, write-offs, voids), by kind; and the tax owed for the window, which "
                    + "is the ledger's TAX_PAYABLE movement over it to the minor unit. An invoice is dated at its "
                    + "issue (the close, after its month): a month's return holds the invoices issued in it.")
    public Uni<TaxReportView> get(
            @Parameter(description = "ISO 4217, like CNY", required = true) @QueryParam("currency") String currency,
            @Parameter(description = "An ISO-8601 instant: the window's start (inclusive)", required = true)
            @QueryParam("from") String from,
            @Parameter(description = "An ISO-8601 instant: the window's end (exclusive), at most 400 days after "
                    + "`from`", required = true) @QueryParam("to") String to) {
        return report.report(callers.get(), currency, from, to);
    }
}
