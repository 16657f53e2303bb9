package city.myriad.market.rest;

import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.CreateReservation;
import city.myriad.market.mapping.MarketApi.ReservationView;
import city.myriad.market.service.ReservationExtensions;
import city.myriad.market.service.ReservationService;
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
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/reservations")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "market")
public class ReservationResource {

    static final String TENANT_CODES = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, TENANT_NOT_FOUND";

    private final ReservationService reservations;
    private final ReservationExtensions extensions;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;

    ReservationResource(ReservationService reservations, ReservationExtensions extensions, CurrentCaller callers,
            Paging paging, Creations creations) {
        this.reservations = reservations;
        this.extensions = extensions;
        this.callers = callers;
        this.paging = paging;
        this.creations = creations;
    }

    @POST
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", PROJECT_NOT_FOUND, CLUSTER_NOT_FOUND, UNKNOWN_MODEL, "
            + "NOT_FOR_SALE, CAPACITY_UNAVAILABLE, QUOTE_NOT_FOUND, QUOTE_EXPIRED, QUOTE_USED, QUOTE_MISMATCH, TENANT_SUSPENDED, PROJECT_ARCHIVED, "
            + "QUOTA_EXCEEDED, BUDGET_EXCEEDED")
    @Operation(operationId = "createReservation", summary = "Buy a reservation (tenant admin)",
            description = "Cards of one model on one cluster for a window, paid whether used or not, at the RESERVED "
                    + "price of the book in force (plus the same-block premium with sameBlock). Never oversold: when "
                    + "the window does not fit, 409 CAPACITY_UNAVAILABLE gives the earliest window that does. Its total "
                    + "counts against the month's money budgets like a job's projection (422 BUDGET_EXCEEDED), and it "
                    + "may not, with the buyer's reservations held at the same time, pass a card quota on RESERVED work "
                    + "there (422 QUOTA_EXCEEDED).")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ReservationView.class)))
    public Uni<Response> create(@HeaderParam(Creations.KEY) String key, @Valid @NotNull CreateReservation body) {
        return creations.create(callers.get(), key, body, () -> reservations.create(callers.get(), body));
    }

    @GET
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", VALIDATION_FAILED, PROJECT_NOT_FOUND")
    @Operation(operationId = "listReservations", summary = "The tenant's reservations, optionally of one project, "
            + "state and cluster", description = "The state is the reservation's now: CONFIRMED before its window, "
            + "ACTIVE in it, ENDED after it, or CANCELLED.")
    public Uni<Page<ReservationView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @QueryParam("projectId") UUID projectId,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"CONFIRMED", "ACTIVE", "ENDED",
                    "CANCELLED"})) @QueryParam("state") String state,
            @QueryParam("clusterId") UUID clusterId,
            @Parameter(description = "Only the reservations short of cards now (`cardsShort` > 0)", schema = @Schema(
                    type = SchemaType.BOOLEAN)) @QueryParam("short") String shortNow) {
        return reservations.list(callers.get(), paging.request(cursor, limit), projectId, state, clusterId,
                city.myriad.platform.validation.Fields.flag("short", shortNow));
    }

    @GET
    @Path("/{reservationId}")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND")
    @Operation(operationId = "getReservation", summary = "Get a reservation")
    public Uni<ReservationView> get(@PathParam("reservationId") UUID reservationId) {
        return reservations.get(callers.get(), reservationId);
    }

    @GET
    @Path("/{reservationId}/nodes")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND")
    @Operation(operationId = "listReservationNodes", summary = "The nodes the scheduler gives a reservation",
            description = "Those it holds while its window is open (`HELD`) and those it keeps for its window to "
                    + "come, within the scheduler's look-ahead of 7 days (`KEPT`), with their block and rack: where "
                    + "the reserved cards are. As the cluster's scheduling loop last recorded them (within seconds "
                    + "of a change); empty before the look-ahead and after the window.")
    public Uni<MarketApi.ReservationNodes> nodes(@PathParam("reservationId") UUID reservationId) {
        return reservations.nodes(callers.get(), reservationId);
    }

    @GET
    @Path("/{reservationId}/utilization")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND")
    @Operation(operationId = "getReservationUtilization", summary = "How much of a reservation its jobs used",
            description = "Card-hours reserved and used by its jobs (their ended runs and those under way, clipped "
                    + "to the window) from the window's start up to now, or to its end once it has passed, in all and "
                    + "per UTC day; the utilization, the unused card-hours and their share of the price, the cards in "
                    + "use now. Any tenant role of the owner. Before the window opens (or for a cancelled one): zeros.")
    public Uni<MarketApi.ReservationUtilizationView> utilization(@PathParam("reservationId") UUID reservationId) {
        return reservations.utilization(callers.get(), reservationId);
    }

    @POST
    @Path("/{reservationId}/extensions")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND, RESERVATION_NOT_EXTENDABLE, "
            + "NOT_FOR_SALE, CAPACITY_UNAVAILABLE, TENANT_SUSPENDED, PROJECT_ARCHIVED, QUOTA_EXCEEDED, BUDGET_EXCEEDED")
    @Operation(operationId = "extendReservation", summary = "Extend a reservation's window (tenant admin)",
            description = "The same cards (and block) from the reservation's end now to a later `endAt`, bought at the "
                    + "RESERVED price of the book in force now (plus the same-block premium for a same-block one), "
                    + "before its window ends (CONFIRMED or ACTIVE; otherwise 409 RESERVATION_NOT_EXTENDABLE). The "
                    + "reservation keeps its id, its nodes and its jobs: what runs in it runs on, and jobs declared "
                    + "to run to the new end may be submitted. Checked as a purchase of the window added: the "
                    + "calendar (409 CAPACITY_UNAVAILABLE with `latestEndAt`, the latest end its cards are free to, "
                    + "when there is one), the card quota on RESERVED work (422 QUOTA_EXCEEDED), the month's money "
                    + "budgets (422 BUDGET_EXCEEDED). Billed once, in the period it is bought (invoice line "
                    + "`RESERVATION_EXTENSION`). Takes `Idempotency-Key`: a retry answers the extension made.")
    @APIResponse(responseCode = "201", description = "Extended: the extension, with the reservation as it is now",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = MarketApi.ReservationExtensionView.class)))
    public Uni<Response> extend(@PathParam("reservationId") UUID reservationId,
            @HeaderParam(Creations.KEY) String key, @Valid @NotNull MarketApi.ExtendReservation body) {
        return creations.create(callers.get(), key, body, () -> extensions.extend(callers.get(), reservationId,
                body));
    }

    @GET
    @Path("/{reservationId}/extensions")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND")
    @Operation(operationId = "listReservationExtensions", summary = "A reservation's extensions, in the order bought")
    public Uni<MarketApi.ReservationExtensions> extensions(@PathParam("reservationId") UUID reservationId) {
        return extensions.extensions(callers.get(), reservationId);
    }

    @GET
    @Path("/{reservationId}/extension-offer")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND, RESERVATION_NOT_EXTENDABLE, "
            + "NOT_FOR_SALE, VALIDATION_FAILED")
    @Operation(operationId = "getReservationExtensionOffer", summary = "What extending a reservation would cost",
            description = "Before extendReservation: the price of the window from the reservation's end to `endAt` "
                    + "at the book in force now, whether its cards (its block's, for a same-block one) are free for "
                    + "it, and the latest end they are free to (`latestEndAt`). Nothing is bought or held; the card "
                    + "quota and the budget are checked when it is bought. Any tenant role.")
    public Uni<MarketApi.ExtensionOfferView> extensionOffer(@PathParam("reservationId") UUID reservationId,
            @Parameter(required = true, schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("endAt") String endAt) {
        return extensions.extensionOffer(callers.get(), reservationId,
                city.myriad.platform.validation.Fields.instant("endAt", endAt));
    }

    @GET
    @Path("/{reservationId}/extensions/{extensionId}")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND, RESERVATION_EXTENSION_NOT_FOUND")
    @Operation(operationId = "getReservationExtension", summary = "One extension of a reservation")
    public Uni<MarketApi.ReservationExtensionView> extension(@PathParam("reservationId") UUID reservationId,
            @PathParam("extensionId") UUID extensionId) {
        return extensions.extension(callers.get(), reservationId, extensionId);
    }

    @POST
    @Path("/{reservationId}/cancel")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", RESERVATION_NOT_FOUND, RESERVATION_NOT_CANCELLABLE")
    @Operation(operationId = "cancelReservation", summary = "Cancel a reservation that has not begun (tenant admin)",
            description = "Free until 24 hours before the start, then half of the total (its extensions included); "
                    + "the cards are released.")
    public Uni<ReservationView> cancel(@PathParam("reservationId") UUID reservationId) {
        return reservations.cancel(callers.get(), reservationId);
    }
}
