package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.ReceivablesAgingView;
import city.myriad.billing.service.AgingCsv;
import city.myriad.billing.service.ReceivablesAging;
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
                    + "is its `getBalance` receivable to the minor unit. `format=csv` gives the same report as CSV "
                    + "for a spreadsheet: a header, then one row per tenant in the same order (as_of, currency, "
                    + "tenant_id, tenant_slug, tenant_name, current, days_1_to_30, days_31_to_60, days_61_to_90, "
                    + "over_90, total, invoices, oldest_past_due), amounts as decimals in the currency's units; no "
                    + "totals row (the columns sum to them).")
    @APIResponse(responseCode = "200", description = "The report", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ReceivablesAgingView.class)),
            @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING))})
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> get(
            @Parameter(description = "ISO 4217, like CNY", required = true) @QueryParam("currency") String currency,
            @Parameter(description = "An ISO-8601 instant, not in the future; now when left out")
            @QueryParam("asOf") String asOf,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"json", "csv"}),
                    description = "Default json") @QueryParam("format") String format) {
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw Fields.invalid("format", "json or csv");
        }
        boolean csv = "csv".equals(format);
        return aging.aging(callers.get(), currency, asOf).map(report -> csv
                ? Response.ok(AgingCsv.render(report), "text/csv; charset=utf-8").header("Content-Disposition",
                        "attachment; filename=\"myriad-receivables-aging-" + report.currency() + ".csv\"").build()
                : Response.ok(report, MediaType.APPLICATION_JSON).build());
    }
}
