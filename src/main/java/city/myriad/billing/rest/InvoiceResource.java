package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.InvoiceView;
import city.myriad.billing.mapping.BillingApi.CreditNoteRequest;
import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.billing.service.CreditNotes;
import city.myriad.billing.service.Invoices;
import city.myriad.platform.idempotency.Creations;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import city.myriad.billing.service.Payments;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/invoices")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class InvoiceResource {

    static final String TENANT_CODES = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, TENANT_NOT_FOUND";

    private final Invoices invoices;
    private final Payments payments;
    private final city.myriad.billing.service.InvoicePayNow payNow;
    private final CurrentCaller callers;
    private final Paging paging;
    private final CreditNotes creditNotes;

    InvoiceResource(Invoices invoices, Payments payments, city.myriad.billing.service.InvoicePayNow payNow,
            CurrentCaller callers, Paging paging, CreditNotes creditNotes) {
        this.creditNotes = creditNotes;
        this.invoices = invoices;
        this.payments = payments;
        this.payNow = payNow;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "listInvoices", summary = "Invoices, oldest first",
            description = "A tenant's own (any tenant role), or everyone's for platform admins (tenantId: one "
                    + "tenant's). The current period's invoice is a DRAFT whose amounts follow usage as it is rated.")
    public Uni<Page<InvoiceView>> list(@Parameter(description = "Platform admins: one tenant's") @QueryParam("tenantId")
            UUID tenantId, @Parameter(description = "A period like 2026-11") @QueryParam("period") String period,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"DRAFT", "ISSUED", "PAID", "VOID",
                    "UNCOLLECTIBLE"})) @QueryParam("state") String state,
            @Parameter(description = "Stripe's own status (`stripeStatus`): `uncollectible` or `void` lists the "
                    + "invoices Stripe gave up on or voided that Myriad still holds open", schema = @Schema(
                    type = SchemaType.STRING, enumeration = {"open", "uncollectible", "paid", "void"}))
            @QueryParam("stripeStatus") String stripeStatus,
            @Parameter(description = "true: only the invoices overdue now (ISSUED, and past `overdueSince`), what "
                    + "collections chases; false: only the others", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"true", "false"})) @QueryParam("overdue") String overdue,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return invoices.list(callers.get(), tenantId, period, state, stripeStatus, overdue,
                paging.request(cursor, limit));
    }

    @GET
    @Path("/{invoiceId}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", INVOICE_NOT_FOUND")
    @Operation(operationId = "getInvoice", summary = "An invoice with its lines (JSON, or printable HTML)",
            description = "JSON by default; `Accept: text/html` gives the printable invoice. Every line says where it "
                    + "comes from (the rollups, a reservation, a commitment, the prepaid wallet).")
    @APIResponse(responseCode = "200", description = "The invoice", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InvoiceView.class)),
            @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING))})
    public Uni<InvoiceView> get(@PathParam("invoiceId") UUID invoiceId) {
        return invoices.get(callers.get(), invoiceId);
    }

    @POST
    @Path("/{invoiceId}/pay")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, INVOICE_NOT_FOUND, "
            + "INVOICE_STATE_CONFLICT, INVOICE_NOT_IN_STRIPE, PAYMENT_DECLINED, PAYMENT_PROVIDER_FAILED, "
            + "INVALID_IDEMPOTENCY_KEY")
    @Operation(operationId = "payInvoice", summary = "Pay an issued invoice now (tenant admin)",
            description = "Asks Stripe to charge the payment method on file at once: after a failed charge and a "
                    + "new card or bank debit saved in the customer portal, instead of waiting for Stripe's next "
                    + "retry while the grace period runs; or a sent invoice before its due date. Paid: the invoice "
                    + "is PAID now (and the tenant reinstated if it was suspended for it). Declined: 402 "
                    + "PAYMENT_DECLINED with Stripe's reason, nothing changed. A PAID invoice is answered as it is. "
                    + "The tenant's admins and platform admins. Each call is one attempt; with an Idempotency-Key a "
                    + "repeated request is that attempt again, never a second charge. Audited (`payInvoice`).")
    public Uni<InvoiceView> pay(@PathParam("invoiceId") UUID invoiceId,
            @jakarta.ws.rs.HeaderParam(city.myriad.platform.idempotency.Creations.KEY) String key) {
        return payNow.pay(callers.get(), invoiceId, key);
    }

    @POST
    @Path("/{invoiceId}/void")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, INVOICE_NOT_FOUND, INVOICE_STATE_CONFLICT")
    @Operation(operationId = "voidInvoice", summary = "Void an issued invoice (platform admin)",
            description = "ISSUED or UNCOLLECTIBLE to VOID: the ledger gets the exact reversal of the invoice's "
                    + "transaction (prepaid credit consumed goes back to the wallet). Voiding a void invoice answers "
                    + "it unchanged.")
    public Uni<InvoiceView> voidInvoice(@PathParam("invoiceId") UUID invoiceId) {
        return payments.voidInvoice(callers.get(), invoiceId);
    }

    @POST
    @Path("/{invoiceId}/mark-uncollectible")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, INVOICE_NOT_FOUND, INVOICE_STATE_CONFLICT")
    @Operation(operationId = "markInvoiceUncollectible", summary = "Write an issued invoice off (platform admin)",
            description = "ISSUED to UNCOLLECTIBLE: the receivable is written off against marketplace revenue "
                    + "(operators keep their share). If it is paid after all, the write-off is reversed.")
    public Uni<InvoiceView> uncollectible(@PathParam("invoiceId") UUID invoiceId) {
        return payments.markUncollectible(callers.get(), invoiceId);
    }

    @POST
    @Path("/{invoiceId}/credit-notes")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, INVOICE_NOT_FOUND, VALIDATION_FAILED, "
            + "INVOICE_STATE_CONFLICT, CREDIT_NOTE_EXCEEDS_INVOICE, INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED")
    @Operation(operationId = "createCreditNote", summary = "Credit part or all of an issued invoice (platform admin)",
            description = "A correction that leaves the invoice as issued: a service-level breach, a billing error, "
                    + "a duplicate, fraud, goodwill. On an ISSUED invoice it lowers what is owed (`amountDue`; "
                    + "crediting all of it makes the invoice PAID); on a PAID one it goes to the tenant's prepaid "
                    + "wallet, spent by the next invoices. At most what the invoice billed less its earlier credit "
                    + "notes and refunds (409 CREDIT_NOTE_EXCEEDS_INVOICE); a DRAFT, VOID or UNCOLLECTIBLE invoice "
                    + "takes none (409 INVOICE_STATE_CONFLICT). The marketplace bears it: marketplace revenue is "
                    + "debited, operators keep their share. Made in Stripe too, on the Stripe invoice. With an "
                    + "Idempotency-Key a repeat answers the same note (Idempotent-Replayed: true), never a second. "
                    + "Audited (`createCreditNote`); the tenant's webhook is told `invoice.credited`.")
    @APIResponse(responseCode = "201", description = "Made", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreditNoteView.class)))
    public Uni<Response> createCreditNote(@PathParam("invoiceId") UUID invoiceId,
            @HeaderParam(Creations.KEY) String key, @Valid @NotNull CreditNoteRequest body) {
        return creditNotes.create(callers.get(), invoiceId, key, body).map(m -> Response
                .status(Response.Status.CREATED).type(MediaType.APPLICATION_JSON).entity(m.view())
                .header(HttpHeaders.LOCATION, "/api/v1/credit-notes/" + m.view().id())
                .header(Creations.REPLAYED, String.valueOf(m.replayed())).build());
    }

    @GET
    @Path("/{invoiceId}/credit-notes")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", INVOICE_NOT_FOUND")
    @Operation(operationId = "listCreditNotes", summary = "An invoice's credit notes, oldest first",
            description = "Its tenant (any tenant role) and platform admins; another tenant's invoice is 404.")
    public Uni<List<CreditNoteView>> listCreditNotes(@PathParam("invoiceId") UUID invoiceId) {
        return creditNotes.ofInvoice(callers.get(), invoiceId);
    }
}
