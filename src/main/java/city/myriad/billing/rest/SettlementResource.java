package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.SettlementView;
import city.myriad.billing.service.Settlements;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
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
            + "OPERATOR_NOT_FOUND")
    @Operation(operationId = "getSettlement", summary = "An operator's settlement statement for a period",
            description = "Per cluster and currency: the revenue of the period's issued invoices, the marketplace "
                    + "fee (10% by default) and the amount payable to the operator, from the ledger; `reconciled` "
                    + "says whether the ledger's figures equal those recomputed from the invoice lines. For that "
                    + "operator and platform admins.")
    public Uni<SettlementView> settlement(@PathParam("operatorId") UUID operatorId,
            @Parameter(required = true, example = "2026-11") @QueryParam("period") String period) {
        return settlements.settlement(callers.get(), operatorId, period);
    }
}
