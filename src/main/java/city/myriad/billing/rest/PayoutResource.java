package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.OperatorBalanceView;
import city.myriad.billing.mapping.BillingApi.PayoutAccountView;
import city.myriad.billing.mapping.BillingApi.PayoutRequest;
import city.myriad.billing.mapping.BillingApi.SetPayoutAccount;
import city.myriad.billing.mapping.BillingApi.PayoutView;
import city.myriad.billing.service.Payouts;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
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

/** What the marketplace owes a city operator, and the payouts that settle it. */
@Path("/api/v1/operators/{operatorId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class PayoutResource {

    static final String OPERATOR_CODES = "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, OPERATOR_NOT_FOUND";

    private final Payouts payouts;
    private final CurrentCaller callers;
    private final Paging paging;

    PayoutResource(Payouts payouts, CurrentCaller callers, Paging paging) {
        this.payouts = payouts;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Path("/balance")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES)
    @Operation(operationId = "getOperatorBalance", summary = "What the marketplace owes the operator",
            description = "Per currency, from the ledger's payable account of the operator: `earned` (its share of "
                    + "every issued invoice, less voids and shortfall credits), `paidOut` (the payouts recorded) and "
                    + "`payable` (still to pay: the difference). For that operator and platform admins.")
    public Uni<OperatorBalanceView> balance(@PathParam("operatorId") UUID operatorId) {
        return payouts.balance(callers.get(), operatorId);
    }

    @GET
    @Path("/payouts")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "listPayouts", summary = "The payouts made to the operator, newest first",
            description = "Each with its amount, the bank transfer's reference, when and by whom it was recorded, "
                    + "and what the operator is payable in that currency now; a Stripe transfer's state and id. "
                    + "`transferState=FAILED`: the transfers Stripe refused (reversed in the ledger, to pay again). "
                    + "For that operator and platform admins. Paged (`limit`, default 50, at most 500; `nextCursor`).")
    public Uni<Page<PayoutView>> list(@PathParam("operatorId") UUID operatorId,
            @Parameter(description = "Only payouts by Stripe transfer in this state (FAILED: refused, reversed)",
                    schema = @Schema(type = SchemaType.STRING, enumeration = {"PENDING", "SENT", "FAILED"}))
            @QueryParam("transferState") String transferState,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return payouts.list(callers.get(), operatorId, transferState, paging.request(cursor, limit));
    }

    @GET
    @Path("/payout-account")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", PAYOUT_ACCOUNT_NOT_FOUND")
    @Operation(operationId = "getPayoutAccount", summary = "The operator's Stripe connected account",
            description = "Where payouts made by Stripe transfer go. For that operator and platform admins; 404 "
                    + "PAYOUT_ACCOUNT_NOT_FOUND while none is set.")
    public Uni<PayoutAccountView> getAccount(@PathParam("operatorId") UUID operatorId) {
        return payouts.getAccount(callers.get(), operatorId);
    }

    @PUT
    @Path("/payout-account")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, OPERATOR_NOT_FOUND, VALIDATION_FAILED, "
            + "PRECONDITION_FAILED")
    @Operation(operationId = "setPayoutAccount", summary = "Set the operator's Stripe connected account (platform "
            + "admin)", description = "The `acct_…` id of the operator's Stripe Connect account, which payouts with "
            + "method STRIPE_TRANSFER pay. Setting it again replaces it (transfers already sent keep theirs). Audited "
            + "in the operator's trail (`setPayoutAccount`). With `If-Match` (the `ETag` of `getPayoutAccount`), "
            + "only if it has not changed since; on an operator with none set, `If-Match` is 412.")
    public Uni<PayoutAccountView> setAccount(@PathParam("operatorId") UUID operatorId,
            @Valid @NotNull SetPayoutAccount body, @HeaderParam("If-Match") String ifMatch) {
        return payouts.setAccount(callers.get(), operatorId, body, ifMatch);
    }

    @POST
    @Path("/payouts")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, OPERATOR_NOT_FOUND, VALIDATION_FAILED, "
            + "PAYOUT_EXCEEDS_PAYABLE, INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED, PAYOUT_ACCOUNT_MISSING, "
            + "PAYMENTS_NOT_CONFIGURED")
    @Operation(operationId = "createPayout", summary = "Pay the operator, or record a payout made to it (platform "
            + "admin)",
            description = "The marketplace pays the operator: by a bank transfer made outside Myriad, named by its "
                    + "`reference` (method RECORDED, the default), or by a Stripe transfer to the operator's "
                    + "connected account that Myriad sends (method STRIPE_TRANSFER; setPayoutAccount first, else 409 "
                    + "PAYOUT_ACCOUNT_MISSING; `transferState` PENDING, SENT, or FAILED when Stripe refused it for "
                    + "good, the payout then reversed in the ledger). Either way the ledger "
                    + "debits the operator's payable and credits Stripe clearing. At most what the operator is "
                    + "payable in that currency (409 PAYOUT_EXCEEDS_PAYABLE). With an Idempotency-Key it is posted "
                    + "once, however often it is sent (Idempotent-Replayed: true on a replay); the same key with "
                    + "another amount or reference is 409 IDEMPOTENCY_KEY_REUSED. Audited in the operator's trail "
                    + "(`createPayout`).")
    @APIResponse(responseCode = "201", description = "Recorded", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PayoutView.class)))
    public Uni<Response> create(@PathParam("operatorId") UUID operatorId, @HeaderParam(Creations.KEY) String key,
            @Valid @NotNull PayoutRequest body) {
        return payouts.record(callers.get(), operatorId, key, body).map(r -> Response.status(Response.Status.CREATED)
                .type(MediaType.APPLICATION_JSON).entity(r.view())
                .header(HttpHeaders.LOCATION, "/api/v1/operators/" + operatorId + "/payouts")
                .header(Creations.REPLAYED, String.valueOf(r.replayed())).build());
    }
}
