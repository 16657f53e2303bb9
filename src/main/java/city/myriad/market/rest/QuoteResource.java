package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi.CreateQuote;
import city.myriad.market.mapping.MarketApi.QuoteView;
import city.myriad.market.service.QuoteService;
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
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/quotes")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class QuoteResource {

    private final QuoteService quotes;
    private final CurrentCaller callers;
    private final Creations creations;

    QuoteResource(QuoteService quotes, CurrentCaller callers, Creations creations) {
        this.quotes = quotes;
        this.callers = callers;
        this.creations = creations;
    }

    @POST
    @Extension(name = "x-problem-codes", value = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, TENANT_NOT_FOUND, "
            + "CLUSTER_NOT_FOUND, UNKNOWN_MODEL, NOT_FOR_SALE, CAPACITY_UNAVAILABLE, PROJECT_NOT_FOUND")
    @Operation(operationId = "createQuote", summary = "When, where and at what price",
            description = "Prices a reservation (startAt, endAt) or a job (maxRunSeconds) and says the earliest start "
                    + "the cluster can honour now. Valid 10 minutes: a reservation made with its id gets its price.")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = QuoteView.class)))
    public Uni<Response> create(@HeaderParam(Creations.KEY) String key, @Valid @NotNull CreateQuote body) {
        return creations.create(callers.get(), key, body, () -> quotes.create(callers.get(), body));
    }

    @GET
    @Path("/{quoteId}")
    @Extension(name = "x-problem-codes", value = "NO_TENANT, UNKNOWN_TENANT, TENANT_NOT_FOUND, QUOTE_NOT_FOUND")
    @Operation(operationId = "getQuote", summary = "Read a quote back (any role of its tenant)",
            description = "The quote as it was made, also once expired (expiresAt says until when a reservation or "
                    + "job may use it). Another tenant's quote is 404 QUOTE_NOT_FOUND.")
    public Uni<QuoteView> get(@PathParam("quoteId") UUID quoteId) {
        return quotes.get(callers.get(), quoteId);
    }
}
