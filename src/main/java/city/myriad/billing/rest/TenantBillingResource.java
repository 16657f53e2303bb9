package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.BalanceView;
import city.myriad.billing.mapping.BillingApi.CommitmentRequest;
import city.myriad.billing.mapping.BillingApi.CommitmentView;
import city.myriad.billing.mapping.BillingApi.CreditGrantRequest;
import city.myriad.billing.mapping.BillingApi.BillingPortalSessionView;
import city.myriad.billing.mapping.BillingApi.BillingProfileView;
import city.myriad.billing.mapping.BillingApi.CreateBillingPortalSession;
import city.myriad.billing.mapping.BillingApi.PaymentTermsView;
import city.myriad.billing.mapping.BillingApi.SetBillingProfile;
import city.myriad.billing.mapping.BillingApi.SetPaymentTerms;
import city.myriad.billing.service.BillingProfiles;
import city.myriad.billing.service.PaymentTerms;
import city.myriad.billing.service.Wallets;
import city.myriad.platform.idempotency.Creations;
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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/tenants/{tenantId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class TenantBillingResource {

    private final Wallets wallets;
    private final BillingProfiles profiles;
    private final PaymentTerms terms;
    private final city.myriad.billing.service.Statements statements;
    private final CurrentCaller callers;

    TenantBillingResource(Wallets wallets, BillingProfiles profiles, PaymentTerms terms,
            city.myriad.billing.service.Statements statements, CurrentCaller callers) {
        this.wallets = wallets;
        this.profiles = profiles;
        this.terms = terms;
        this.statements = statements;
        this.callers = callers;
    }

    @GET
    @Path("/billing-profile")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", BILLING_PROFILE_NOT_FOUND")
    @Operation(operationId = "getBillingProfile", summary = "The tenant's billing contact",
            description = "Where Stripe sends the tenant's invoices and receipts, the legal name and address they "
                    + "carry, and how far the tenant's Stripe customer has caught up with it (`stripeState`). The "
                    + "tenant's own (any tenant role), any for platform admins. Its `ETag` is what "
                    + "`setBillingProfile` takes in `If-Match`.")
    public Uni<BillingProfileView> profile(@PathParam("tenantId") UUID tenantId) {
        return profiles.get(callers.get(), tenantId);
    }

    @PUT
    @Path("/billing-profile")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", VALIDATION_FAILED, "
            + "PRECONDITION_FAILED")
    @Operation(operationId = "setBillingProfile", summary = "Set the tenant's billing contact (tenant-admin)",
            description = "Replaces the contact whole: `email` (where Stripe sends invoices and receipts), "
                    + "`legalName` (the tenant's name when left out), `address` (left out: none). Each change is a "
                    + "new `version`; the billing worker brings the tenant's Stripe customer up to it within seconds "
                    + "(`stripeState` PENDING, then SYNCED), retrying with backoff if Stripe fails. Audited "
                    + "(`setBillingProfile`). With `If-Match` (the `ETag` of `getBillingProfile`), only if it has "
                    + "not changed since; on a contact never set, `If-Match` is 412.")
    public Uni<BillingProfileView> setProfile(@PathParam("tenantId") UUID tenantId,
            @Valid @NotNull SetBillingProfile body, @HeaderParam("If-Match") String ifMatch) {
        return profiles.set(callers.get(), tenantId, body, ifMatch);
    }

    @GET
    @Path("/payment-terms")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES)
    @Operation(operationId = "getPaymentTerms", summary = "How the tenant's invoices are collected",
            description = "CHARGE_AUTOMATICALLY (the default: Stripe charges the payment method the tenant saved "
                    + "in the customer portal when an invoice is issued) or SEND_INVOICE (net terms: Stripe emails "
                    + "each invoice to the billing contact with a page to pay it, by card or bank transfer, within "
                    + "`daysUntilDue`). A charged invoice is overdue from its first failed payment, a sent one from "
                    + "its due date; the grace period before a suspension runs from there. The tenant's own (any "
                    + "tenant role), any for platform admins.")
    public Uni<PaymentTermsView> paymentTerms(@PathParam("tenantId") UUID tenantId) {
        return terms.get(callers.get(), tenantId);
    }

    @PUT
    @Path("/payment-terms")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, TENANT_NOT_FOUND, VALIDATION_FAILED, "
            + "BILLING_PROFILE_REQUIRED, PRECONDITION_FAILED")
    @Operation(operationId = "setPaymentTerms", summary = "Set the tenant's payment terms (platform admin)",
            description = "Net terms are credit the marketplace extends, so platform admins set them. They apply "
                    + "from the next invoice issued; each invoice keeps its collection method and due date. "
                    + "SEND_INVOICE needs `daysUntilDue` of at least 1 and the tenant's billing contact (409 "
                    + "BILLING_PROFILE_REQUIRED: the invoice is emailed there). Audited (`setPaymentTerms`); "
                    + "setting the terms as they are changes nothing. With `If-Match` (the `ETag` of "
                    + "`getPaymentTerms`), only if they have not changed since (412 PRECONDITION_FAILED otherwise).")
    public Uni<PaymentTermsView> setPaymentTerms(@PathParam("tenantId") UUID tenantId,
            @Valid @NotNull SetPaymentTerms body, @HeaderParam("If-Match") String ifMatch) {
        return terms.set(callers.get(), tenantId, body, ifMatch);
    }

    @POST
    @Path("/billing-portal-sessions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", VALIDATION_FAILED, "
            + "BILLING_PROFILE_REQUIRED, PAYMENTS_NOT_CONFIGURED, PAYMENT_PROVIDER_FAILED")
    @Operation(operationId = "createBillingPortalSession", summary = "Open Stripe's customer portal for the tenant "
            + "(tenant-admin)",
            description = "Invoices are charged automatically to the tenant's default payment method in Stripe; "
                    + "this is where the tenant adds one (or replaces or removes it) and sees its Stripe invoices "
                    + "and receipts. Answers a one-visit link to Stripe's hosted portal, valid for minutes; when "
                    + "the tenant is done Stripe sends the browser to `returnUrl`. The tenant's Stripe customer is "
                    + "made first if it has none, and brought up to the billing contact. Needs the billing contact "
                    + "set (409 BILLING_PROFILE_REQUIRED) and a deployment connected to Stripe (409 "
                    + "PAYMENTS_NOT_CONFIGURED). Each call opens a new session; audited "
                    + "(`createBillingPortalSession`).")
    @APIResponse(responseCode = "201", description = "Opened", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BillingPortalSessionView.class)))
    public Uni<Response> portal(@PathParam("tenantId") UUID tenantId,
            @Valid @NotNull CreateBillingPortalSession body) {
        return profiles.portalSession(callers.get(), tenantId, body.returnUrl()).map(v -> Response
                .status(Response.Status.CREATED).type(MediaType.APPLICATION_JSON).entity(v).build());
    }

    @GET
    @Path("/balance")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES)
    @Operation(operationId = "getBalance", summary = "The tenant's balances and standing",
            description = "Per currency: the receivable (owed on issued invoices), the prepaid credit left, and the "
                    + "open drafts' total (this period's bill so far); each a query over the ledger. Standing: GOOD, "
                    + "GRACE after a failed payment (until when), SUSPENDED from new work once the grace period "
                    + "has passed (since when). The tenant's own (any tenant role), any for platform admins.")
    public Uni<BalanceView> balance(@PathParam("tenantId") UUID tenantId) {
        return wallets.balance(callers.get(), tenantId);
    }

    @GET
    @Path("/statement")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "getAccountStatement", summary = "What the tenant owed over a window, line by line",
            description = "The movements of the tenant's receivable in the ledger, in one currency, from `from` "
                    + "(inclusive) to `to` (exclusive, at most 400 days later): each invoice issued, payment, "
                    + "credit note on an invoice still owed, void and write-off with its invoice number and the "
                    + "balance after it; the opening balance is what was owed at `from`, and opening plus the lines "
                    + "is the closing balance, to the minor unit. What a finance team reconciles its books with. The "
                    + "tenant's own (any tenant role), any for platform admins. `format=csv` gives it as a "
                    + "spreadsheet, as a bank statement reads: a header (at, kind, description, invoice_id, "
                    + "invoice_number, amount, balance, currency), an OPENING_BALANCE row, a row per movement, a "
                    + "CLOSING_BALANCE row; amounts as decimals in the currency's units.")
    @APIResponse(responseCode = "200", description = "The statement", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = city.myriad.billing.mapping.BillingApi.StatementView.class)),
            @Content(mediaType = "text/csv", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations
                    .enums.SchemaType.STRING))})
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Uni<Response> statement(@PathParam("tenantId") UUID tenantId,
            @org.eclipse.microprofile.openapi.annotations.parameters.Parameter(required = true, example = "CNY")
            @jakarta.ws.rs.QueryParam("currency") String currency,
            @org.eclipse.microprofile.openapi.annotations.parameters.Parameter(required = true,
                    example = "2026-01-01T00:00:00Z") @jakarta.ws.rs.QueryParam("from") String from,
            @org.eclipse.microprofile.openapi.annotations.parameters.Parameter(required = true,
                    example = "2027-01-01T00:00:00Z") @jakarta.ws.rs.QueryParam("to") String to,
            @org.eclipse.microprofile.openapi.annotations.parameters.Parameter(schema = @Schema(type =
                    org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING,
                    enumeration = {"json", "csv"}), description = "Default json")
            @jakarta.ws.rs.QueryParam("format") String format) {
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw city.myriad.platform.validation.Fields.invalid("format", "json or csv");
        }
        return statements.statement(callers.get(), tenantId, currency, from, to).map(s -> "csv".equals(format)
                ? Response.ok(city.myriad.billing.service.StatementCsv.render(s), "text/csv; charset=utf-8")
                        .header("Content-Disposition", "attachment; filename=\"myriad-statement-" + s.tenantId() + "-"
                                + s.currency() + ".csv\"").build()
                : Response.ok(s, MediaType.APPLICATION_JSON).build());
    }

    @POST
    @Path("/credits")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, TENANT_NOT_FOUND, VALIDATION_FAILED, "
            + "INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED")
    @Operation(operationId = "grantCredit", summary = "Grant prepaid credit (platform admin)",
            description = "Credits the tenant's prepaid wallet (the ledger: marketplace revenue debited, the wallet "
                    + "credited). Credit is consumed by the next invoices before anything is charged. With an "
                    + "Idempotency-Key the grant is posted once, however often it is sent (Idempotent-Replayed: "
                    + "true on a replay).")
    @APIResponse(responseCode = "201", description = "Granted", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation =
            city.myriad.billing.mapping.BillingApi.CreditGrantView.class)))
    public Uni<Response> grant(@PathParam("tenantId") UUID tenantId, @HeaderParam(Creations.KEY) String key,
            @Valid @NotNull CreditGrantRequest body) {
        return wallets.grant(callers.get(), tenantId, key, body).map(g -> created(g.view(),
                "/api/v1/tenants/" + tenantId + "/credits/" + g.view().id(), g.replayed()));
    }

    /** 201 with the view made (or made before, under the request's Idempotency-Key) and where it lives. */
    private static Response created(Object view, String location, boolean replayed) {
        return Response.status(Response.Status.CREATED).type(MediaType.APPLICATION_JSON).entity(view)
                .header(HttpHeaders.LOCATION, location).header(Creations.REPLAYED, String.valueOf(replayed)).build();
    }

    @GET
    @Path("/credits")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES)
    @Operation(operationId = "listCreditGrants", summary = "The tenant's prepaid credit grants, newest first",
            description = "At most 500; each with the wallet's balance now.")
    public Uni<List<city.myriad.billing.mapping.BillingApi.CreditGrantView>> grants(
            @PathParam("tenantId") UUID tenantId) {
        return wallets.grants(callers.get(), tenantId);
    }

    @GET
    @Path("/credits/{grantId}")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", CREDIT_GRANT_NOT_FOUND")
    @Operation(operationId = "getCreditGrant", summary = "One prepaid credit grant")
    public Uni<city.myriad.billing.mapping.BillingApi.CreditGrantView> grant(@PathParam("tenantId") UUID tenantId,
            @PathParam("grantId") UUID grantId) {
        return wallets.grant(callers.get(), tenantId, grantId);
    }

    @POST
    @Path("/commitments")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, TENANT_NOT_FOUND, VALIDATION_FAILED, "
            + "COMMITMENT_OVERLAPS, INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED")
    @Operation(operationId = "createCommitment", summary = "Add a committed-use discount (platform admin)",
            description = "From firstPeriod to lastPeriod (this period or later): discountPercent off the tenant's "
                    + "ON_DEMAND usage in that currency, and, if a period's spend stays below minimumPerPeriod, a "
                    + "shortfall line for the difference. Terms of one currency never overlap. With an "
                    + "Idempotency-Key the commitment is made once, however often it is sent (Idempotent-Replayed: "
                    + "true on a replay; the same key with other terms: 409 IDEMPOTENCY_KEY_REUSED).")
    @APIResponse(responseCode = "201", description = "Created", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommitmentView.class)))
    public Uni<Response> commit(@PathParam("tenantId") UUID tenantId, @HeaderParam(Creations.KEY) String key,
            @Valid @NotNull CommitmentRequest body) {
        return wallets.commit(callers.get(), tenantId, key, body).map(v -> created(v.view(),
                "/api/v1/tenants/" + tenantId + "/commitments/" + v.view().id(), v.replayed()));
    }

    @GET
    @Path("/commitments/{commitmentId}")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", COMMITMENT_NOT_FOUND")
    @Operation(operationId = "getCommitment", summary = "One committed-use discount of the tenant")
    public Uni<CommitmentView> commitment(@PathParam("tenantId") UUID tenantId,
            @PathParam("commitmentId") UUID commitmentId) {
        return wallets.commitment(callers.get(), tenantId, commitmentId);
    }

    @GET
    @Path("/commitments")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES)
    @Operation(operationId = "listCommitments", summary = "The tenant's committed-use discounts")
    public Uni<List<CommitmentView>> commitments(@PathParam("tenantId") UUID tenantId) {
        return wallets.commitments(callers.get(), tenantId);
    }
}
