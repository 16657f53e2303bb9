package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.TaxReportView;
import city.myriad.billing.service.TaxReport;
import city.myriad.billing.service.TaxReportCsv;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.platform.validation.Fields;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
                    + "issue (the close, after its month): a month's return holds the invoices issued in it. "
                    + "`format=csv` gives the same report as CSV (from, to, currency, row, kind, tax_name, "
                    + "rate_percent, count, taxable, tax): a RATE row per rate, a MOVEMENT row per kind of document, "
                    + "then one PAYABLE row; amounts as decimals in the currency's units.")
    @APIResponse(responseCode = "200", description = "The report", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TaxReportView.class)),
            @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING))})
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> get(
            @Parameter(description = "ISO 4217, like CNY", required = true) @QueryParam("currency") String currency,
            @Parameter(description = "An ISO-8601 instant: the window's start (inclusive)", required = true)
            @QueryParam("from") String from,
            @Parameter(description = "An ISO-8601 instant: the window's end (exclusive), at most 400 days after "
                    + "`from`", required = true) @QueryParam("to") String to,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"json", "csv"}),
                    description = "Default json") @QueryParam("format") String format) {
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw Fields.invalid("format", "json or csv");
        }
        boolean csv = "csv".equals(format);
        return report.report(callers.get(), currency, from, to).map(r -> csv
                ? Response.ok(TaxReportCsv.render(r), "text/csv; charset=utf-8").header("Content-Disposition",
                        "attachment; filename=\"myriad-tax-report-" + r.currency() + ".csv\"").build()
                : Response.ok(r, MediaType.APPLICATION_JSON).build());
    }
}
