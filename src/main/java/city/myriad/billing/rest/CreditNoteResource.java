package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.billing.mapping.BillingApi.CreditNoteVoidRequest;
import city.myriad.billing.service.CreditNoteVoids;
import city.myriad.billing.service.CreditNotes;
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
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Credit notes across invoices, one by its id (each made by {@code createCreditNote} on its invoice), and a void of
 * one made by mistake.
 */
@Path("/api/v1/credit-notes")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class CreditNoteResource {

    private final CreditNotes creditNotes;
    private final CreditNoteVoids voids;
    private final com.fasterxml.jackson.databind.ObjectMapper json;
    private final CurrentCaller callers;
    private final Paging paging;

    CreditNoteResource(CreditNotes creditNotes, CreditNoteVoids voids, CurrentCaller callers, Paging paging,
            com.fasterxml.jackson.databind.ObjectMapper json) {
        this.json = json;
        this.creditNotes = creditNotes;
        this.voids = voids;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "findCreditNotes", summary = "Credit notes across invoices, in the order they were made",
            description = "What finance books for a month (`from`/`to` on when each was made, half-open) or what "
                    + "is stuck on its way to Stripe (`stripeState=FAILED`); `status=VOID` the ones voided. A tenant's roles see their own; platform "
                    + "admins everyone's, or one tenant's (`tenantId`).")
    public Uni<Page<CreditNoteView>> find(@Parameter(description = "Platform admins: one tenant's")
            @QueryParam("tenantId") UUID tenantId,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"PENDING", "PUSHED", "FAILED",
                    "SKIPPED"})) @QueryParam("stripeState") String stripeState,
            @Parameter(description = "ISSUED (in force) or VOID", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"ISSUED", "VOID"})) @QueryParam("status") String status,
            @Parameter(description = "Made at or after (RFC 3339)") @QueryParam("from") String from,
            @Parameter(description = "Made before (RFC 3339)") @QueryParam("to") String to,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return creditNotes.find(callers.get(), tenantId, stripeState, status, from, to,
                paging.request(cursor, limit));
    }

    @GET
    @Path("/{creditNoteId}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", CREDIT_NOTE_NOT_FOUND")
    @Operation(operationId = "getCreditNote", summary = "A credit note (JSON, or printable HTML)",
            description = "Its tenant (any tenant role) and platform admins; another tenant's is 404. JSON by "
                    + "default; `Accept: text/html` gives the printable credit note.")
    @APIResponse(responseCode = "200", description = "The credit note", content = {
            @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreditNoteView.class)),
            @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING))})
    public Uni<CreditNoteView> get(@PathParam("creditNoteId") UUID creditNoteId) {
        return creditNotes.get(callers.get(), creditNoteId);
    }

    @POST
    @Path("/{creditNoteId}/void")
    @Consumes(MediaType.WILDCARD)
    @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = CreditNoteVoidRequest.class)))
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, CREDIT_NOTE_NOT_FOUND, "
            + "CREDIT_NOTE_NOT_VOIDABLE, VALIDATION_FAILED")
    @Operation(operationId = "voidCreditNote", summary = "Void a credit note made by mistake (platform admin)",
            description = "Only while its invoice is still owed (ISSUED): the invoice asks again what the note took "
                    + "off (`credited` and `amountDue` move back), the ledger reverses the note's transaction "
                    + "(`CREDIT_NOTE_VOIDED`), the FOCUS export has a reversing row in the month of the void, the "
                    + "tenant's webhook is told `invoice.credit_note_voided`, and Stripe's copy is voided by the "
                    + "billing worker (`stripeVoidState`). A note on a paid invoice went to the prepaid wallet: 409 "
                    + "`CREDIT_NOTE_NOT_VOIDABLE` (correct it on a later invoice). Voiding a void note answers it "
                    + "unchanged. The body (optional) says why. Audited (`voidCreditNote`).")
    public Uni<CreditNoteView> voidNote(@PathParam("creditNoteId") UUID creditNoteId, String body)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        // Read here, not by the framework: a POST without a body (and so without a Content-Type) is the common call.
        CreditNoteVoidRequest why = body == null || body.isBlank() ? null
                : json.readValue(body, CreditNoteVoidRequest.class);
        return voids.voidNote(callers.get(), creditNoteId, why);
    }
}
