package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.ReservationView;
import city.myriad.market.service.ReservationService;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The reservations sold on a cluster, for its operator: what holds its cards, and what nodes down leave short. */
@Path("/api/v1/clusters/{clusterId}/reservations")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class ClusterReservationResource {

    /** What a route of the cluster's operator may answer besides its own codes. */
    static final String OPERATOR_CODES = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN";

    private final ReservationService reservations;
    private final CurrentCaller callers;
    private final Paging paging;

    ClusterReservationResource(ReservationService reservations, CurrentCaller callers, Paging paging) {
        this.reservations = reservations;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "listClusterReservations", summary = "Every tenant's reservations on the cluster "
            + "(operator or platform admin)", description = "In id order, optionally in one state (as of now) and, "
            + "with `short=true`, only those short of cards now (`cardsShort` > 0: nodes of their model out of "
            + "service and none to stand in; their tenants are credited the card time not delivered). Before "
            + "draining a node, the ACTIVE and CONFIRMED ones say what holds the cluster's cards.")
    public Uni<Page<ReservationView>> list(@PathParam("clusterId") UUID clusterId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"CONFIRMED", "ACTIVE", "ENDED",
                    "CANCELLED"})) @QueryParam("state") String state,
            @Parameter(description = "Only the reservations short of cards now", schema = @Schema(type =
                    SchemaType.BOOLEAN)) @QueryParam("short") String shortNow) {
        return reservations.onCluster(callers.get(), clusterId, paging.request(cursor, limit), state,
                city.myriad.platform.validation.Fields.flag("short", shortNow));
    }

    @GET
    @Path("/nodes")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES)
    @Operation(operationId = "listClusterReservedNodes", summary = "The cluster's nodes its reservations hold or "
            + "keep (operator or platform admin)", description = "In node order: each node a reservation holds "
            + "while its window is open (`HELD`) or keeps for its window to come within the scheduler's look-ahead "
            + "of 7 days (`KEPT`), with the reservation, its tenant and window. As the cluster's scheduling loop "
            + "last recorded them (within seconds of a change). Before draining or taking a node down: a HELD node "
            + "leaves its reservation short of cards (credited to the tenant) unless another node stands in.")
    public Uni<MarketApi.ClusterReservedNodes> nodes(@PathParam("clusterId") UUID clusterId) {
        return reservations.reservedNodes(callers.get(), clusterId);
    }
}
