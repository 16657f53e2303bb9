package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi.OfferView;
import city.myriad.market.service.OfferService;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/offers")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class OfferResource {

    private final OfferService offers;
    private final CurrentCaller callers;
    private final Paging paging;

    OfferResource(OfferService offers, CurrentCaller callers, Paging paging) {
        this.offers = offers;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "VALIDATION_FAILED")
    @Operation(operationId = "listOffers", summary = "What is for sale now",
            description = "For each cluster with a price book, each priced card model and class: the price of a "
                    + "card-hour now, with and without the same-block guarantee, the cards available now and the "
                    + "largest gang that fits in one block.")
    public Uni<Page<OfferView>> list(
            @Parameter(description = "Only this cluster's offers") @QueryParam("clusterId") UUID clusterId,
            @Parameter(description = "Only this card model", example = "ASCEND-910B") @QueryParam("model") String model,
            @Parameter(description = "Only this class", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"RESERVED", "ON_DEMAND", "SPOT"})) @QueryParam("class") String priceClass,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return offers.list(callers.get(), clusterId, model, priceClass, paging.request(cursor, limit));
    }
}
