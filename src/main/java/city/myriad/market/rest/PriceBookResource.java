package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi.PriceBookView;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.service.PriceBookService;
import city.myriad.market.service.SpotPriceHistory;
import city.myriad.platform.validation.Fields;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/clusters/{clusterId}/prices")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class PriceBookResource {

    private final PriceBookService books;
    private final SpotPriceHistory spot;
    private final CurrentCaller callers;
    private final city.myriad.platform.paging.Paging paging;

    PriceBookResource(PriceBookService books, SpotPriceHistory spot, CurrentCaller callers,
            city.myriad.platform.paging.Paging paging) {
        this.paging = paging;
        this.books = books;
        this.spot = spot;
        this.callers = callers;
    }

    @PUT
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, UNKNOWN_MODEL, CURRENCY_MISMATCH, DUPLICATE_PRICE, INVALID_SPOT_BOUNDS, "
            + "PRICE_BOOK_CHANGED")
    @Operation(operationId = "setPrices", summary = "Set the cluster's price book (its operator or a platform admin)",
            description = "Replaces the whole book with a new version: one currency, one price per card-hour for each "
                    + "model and class, optional spot bounds, and the premium for keeping a gang in one block. Old "
                    + "versions stay: what was sold keeps the price it was sold at. In force now, or from "
                    + "`effectiveAt` (up to 366 days ahead: a price change announced to buyers, shown by `getPrices` "
                    + "under `scheduled` and by `listOffers` as `priceChange`; a time already past is 400). A book "
                    + "replaces the schedule from its `effectiveAt` on: a change scheduled at or after it never comes "
                    + "into force. Answers the version set. With `If-Match` (the `ETag` of `getPrices`), only if no "
                    + "other version landed since.")
    public Uni<PriceBookView> set(@PathParam("clusterId") UUID clusterId, @Valid @NotNull SetPrices body,
            @HeaderParam("If-Match") String ifMatch) {
        return books.set(callers.get(), clusterId, body, ifMatch);
    }

    @GET
    @Path("/spot-history")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "getSpotPriceHistory", summary = "The cluster's SPOT prices over time",
            description = "Each model's SPOT price (of one model with `model`) as buyers were offered it: the one in "
                    + "force at `from` (default a day before `to`), then each change up to `to` (default now), at "
                    + "most 31 days. Sampled every minute: a price follows the model's utilization between the book's "
                    + "floor and ceiling, or changes with a new book. Public to every buyer, as the prices are.")
    public Uni<MarketApi.SpotPrices> spotHistory(@PathParam("clusterId") UUID clusterId,
            @Parameter(schema = @Schema(maxLength = 128)) @QueryParam("model") String model,
            @Parameter(schema = @Schema(format = "date-time", type = SchemaType.STRING)) @QueryParam("from")
            String from,
            @Parameter(schema = @Schema(format = "date-time", type = SchemaType.STRING)) @QueryParam("to")
            String to) {
        callers.get();
        return spot.history(clusterId, model, from == null ? null : Fields.instant("from", from),
                to == null ? null : Fields.instant("to", to));
    }

    @GET
    @Path("/versions")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, INVALID_CURSOR, VALIDATION_FAILED")
    @Operation(operationId = "listPriceBookVersions", summary = "Every version of the cluster's price book, newest "
            + "first", description = "Past, present and to come, each with its `status` (IN_FORCE, SCHEDULED, RETIRED, "
            + "SUPERSEDED) and `inForceUntil`: what a job's or a reservation's `priceBookVersion` priced it by, and "
            + "when each price held. Public to every buyer, as the prices are.")
    public Uni<city.myriad.platform.paging.Page<MarketApi.PriceBookVersionView>> versions(
            @PathParam("clusterId") UUID clusterId, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        callers.get();
        return books.versions(clusterId, paging.request(cursor, limit));
    }

    @GET
    @Path("/versions/{version}")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, PRICE_BOOK_NOT_FOUND")
    @Operation(operationId = "getPriceBookVersion", summary = "One version of the cluster's price book",
            description = "As `listPriceBookVersions` lists it; 404 PRICE_BOOK_NOT_FOUND for a version the cluster "
                    + "never had.")
    public Uni<MarketApi.PriceBookVersionView> version(@PathParam("clusterId") UUID clusterId,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) @PathParam("version")
            String version) {
        callers.get();
        if (version == null || !version.matches("[1-9][0-9]{0,8}")) {
            throw new city.myriad.platform.error.MyriadProblem.NotFound(
                    city.myriad.platform.error.ProblemCode.PRICE_BOOK_NOT_FOUND, "No price book version '" + version
                    + "': versions are numbered from 1");
        }
        return books.version(clusterId, Integer.parseInt(version));
    }

    @GET
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, PRICE_BOOK_NOT_FOUND")
    @Operation(operationId = "getPrices", summary = "The cluster's price book in force",
            description = "Prices are public to every buyer. With the changes its operator scheduled (`scheduled`, "
                    + "soonest first). 404 while no book is in force, even when the first one is scheduled (the "
                    + "problem says when it comes into force).")
    public Uni<PriceBookView> get(@PathParam("clusterId") UUID clusterId) {
        callers.get();
        return books.get(clusterId);
    }
}
