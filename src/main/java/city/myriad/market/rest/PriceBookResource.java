package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi.PriceBookView;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.service.PriceBookService;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/clusters/{clusterId}/prices")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class PriceBookResource {

    private final PriceBookService books;
    private final CurrentCaller callers;

    PriceBookResource(PriceBookService books, CurrentCaller callers) {
        this.books = books;
        this.callers = callers;
    }

    @PUT
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, UNKNOWN_MODEL, CURRENCY_MISMATCH, DUPLICATE_PRICE, INVALID_SPOT_BOUNDS, "
            + "PRICE_BOOK_CHANGED")
    @Operation(operationId = "setPrices", summary = "Set the cluster's price book (its operator or a platform admin)",
            description = "Replaces the whole book with a new version: one currency, one price per card-hour for each "
                    + "model and class, optional spot bounds, and the premium for keeping a gang in one block. Old "
                    + "versions stay: what was sold keeps the price it was sold at. With `If-Match` (the `ETag` of "
                    + "`getPrices`), only if no other version landed since.")
    public Uni<PriceBookView> set(@PathParam("clusterId") UUID clusterId, @Valid @NotNull SetPrices body,
            @HeaderParam("If-Match") String ifMatch) {
        return books.set(callers.get(), clusterId, body, ifMatch);
    }

    @GET
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, PRICE_BOOK_NOT_FOUND")
    @Operation(operationId = "getPrices", summary = "The cluster's price book in force",
            description = "Prices are public to every buyer.")
    public Uni<PriceBookView> get(@PathParam("clusterId") UUID clusterId) {
        callers.get();
        return books.get(clusterId);
    }
}
