package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.billing.service.CreditNotes;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A credit note by its id (made by {@code createCreditNote} on its invoice). */
@Path("/api/v1/credit-notes")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class CreditNoteResource {

    private final CreditNotes creditNotes;
    private final CurrentCaller callers;

    CreditNoteResource(CreditNotes creditNotes, CurrentCaller callers) {
        this.creditNotes = creditNotes;
        this.callers = callers;
    }

    @GET
    @Path("/{creditNoteId}")
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", CREDIT_NOTE_NOT_FOUND")
    @Operation(operationId = "getCreditNote", summary = "A credit note",
            description = "Its tenant (any tenant role) and platform admins; another tenant's is 404.")
    public Uni<CreditNoteView> get(@PathParam("creditNoteId") UUID creditNoteId) {
        return creditNotes.get(callers.get(), creditNoteId);
    }
}
