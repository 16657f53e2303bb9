package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.SettlementView;
import city.myriad.billing.service.SettlementCsv;
import city.myriad.billing.service.Settlements;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.platform.validation.Fields;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/operators/{operatorId}/settlements")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class SettlementResource {

    private final Settlements settlements;
    private final CurrentCaller callers;

    SettlementResource(Settlements settlements, CurrentCaller callers) {
        this.settlements = settlements;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "INVALID_PERIOD, OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, "
            + "OPERATOR_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "getSettlement", summary = "An operator's settlement statement for a period",
            description = "Per cluster and currency: the revenue of the period's issued invoices, the marketplace "
                    + "fee (10% by default) and the amount payable to the operator, from the ledger; `reconciled` "
                    + "says whether the ledger's figures equal those recomputed from the invoice lines. For that "
                    + "operator and platform admins. `format=csv` gives it as a spreadsheet: a header (period, "
                    + "operator_id, cluster_id, cluster_slug, currency, revenue, reservation_shortfall_credits, "
                    + "fee_percent, marketplace_fee, payable, invoices, reconciled), then a row per cluster and "
                    + "currency in the same order; amounts as decimals in the currency's units; no totals row (the "
                    + "columns sum to them).")
    @APIResponse(responseCode = "200", description = "The statement", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SettlementView.class)),
            @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING))})
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> settlement(@PathParam("operatorId") UUID operatorId,
            @Parameter(required = true, example = "2026-11") @QueryParam("period") String period,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"json", "csv"}),
                    description = "Default json") @QueryParam("format") String format) {
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw Fields.invalid("format", "json or csv");
        }
        return settlements.settlement(callers.get(), operatorId, period).map(s -> "csv".equals(format)
                ? Response.ok(SettlementCsv.render(s), "text/csv; charset=utf-8").header("Content-Disposition",
                        "attachment; filename=\"myriad-settlement-" + s.operatorId() + "-" + s.period() + ".csv\"")
                        .build()
                : Response.ok(s, MediaType.APPLICATION_JSON).build());
    }
}
