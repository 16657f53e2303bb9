package city.myriad.catalog.rest;

import city.myriad.catalog.mapping.CatalogApi.CreateMaintenance;
import city.myriad.catalog.mapping.CatalogApi.MaintenanceView;
import city.myriad.catalog.mapping.CatalogApi.UpdateMaintenance;
import city.myriad.catalog.service.MaintenanceService;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.platform.validation.Fields;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
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
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A cluster's maintenance schedule: its operator writes it, every signed-in caller reads it. */
@Path("/api/v1/clusters/{clusterId}/maintenances")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "catalog")
public class MaintenanceResource {

    private static final String OPERATOR_CODES = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN";

    private final MaintenanceService maintenance;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;

    MaintenanceResource(MaintenanceService maintenance, CurrentCaller callers, Paging paging, Creations creations) {
        this.maintenance = maintenance;
        this.callers = callers;
        this.paging = paging;
        this.creations = creations;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", UNKNOWN_NODE, MAINTENANCE_OVERLAPS, NODE_RESERVED")
    @Operation(operationId = "createMaintenance", summary = "Schedule maintenance of some nodes (operator or platform "
            + "admin)", description = "From `startAt` (now or later) to `endAt` (at most 30 days on) the nodes take no "
            + "job. Before the start they take only jobs declared to end by then (`maxRunSeconds`), but preemptible "
            + "(SPOT) ones; at the start the scheduler stops what still runs there: SPOT jobs are requeued, the "
            + "others end FAILED with reason `MAINTENANCE` (their run credited, as on a node gone down). No "
            + "reservation is sold on their cards for the window: one overlapping it that the cluster's other cards "
            + "could not carry is 409 `NODE_RESERVED` (nothing scheduled); a node already in a window overlapping "
            + "this one is 409 `MAINTENANCE_OVERLAPS`; a name the cluster has no node of is 400 `UNKNOWN_NODE`. "
            + "With `Idempotency-Key`, a retry answers the window made. Audited (`createMaintenance`).")
    @APIResponse(responseCode = "201", description = "Scheduled", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MaintenanceView.class)))
    public Uni<Response> create(@PathParam("clusterId") UUID clusterId,
            @HeaderParam("Idempotency-Key") String key, @Valid @NotNull CreateMaintenance body) {
        return creations.create(callers.get(), key, body, () -> maintenance.create(callers.get(), clusterId, body));
    }

    @GET
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "listMaintenances", summary = "The cluster's maintenance windows (any signed-in caller)",
            description = "In the order they were scheduled, in one state where given, and only those whose planned "
                    + "window overlaps [`from`, `to`) where given (a week's calendar): what a buyer reads before "
                    + "reserving cards or submitting long jobs, and what an operator's staff plan with.")
    public Uni<Page<MaintenanceView>> list(@PathParam("clusterId") UUID clusterId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"SCHEDULED", "IN_PROGRESS",
                    "COMPLETED", "CANCELLED"})) @QueryParam("state") String state,
            @Parameter(description = "Only windows planned to end after this instant", example = "2026-12-07T00:00:00Z")
            @QueryParam("from") String from,
            @Parameter(description = "Only windows planned to start before this instant",
                    example = "2026-12-14T00:00:00Z") @QueryParam("to") String to) {
        return maintenance.list(callers.get(), clusterId, state, Fields.span(from, to),
                paging.request(cursor, limit));
    }

    @GET
    @Path("/{maintenanceId}")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, MAINTENANCE_NOT_FOUND")
    @Operation(operationId = "getMaintenance", summary = "A maintenance window (any signed-in caller)")
    public Uni<MaintenanceView> get(@PathParam("clusterId") UUID clusterId,
            @PathParam("maintenanceId") UUID maintenanceId) {
        return maintenance.get(callers.get(), clusterId, maintenanceId);
    }

    @PATCH
    @Path("/{maintenanceId}")
    @Consumes({"application/merge-patch+json", MediaType.APPLICATION_JSON})
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", MAINTENANCE_NOT_FOUND, MAINTENANCE_NOT_UPDATABLE, "
            + "VALIDATION_FAILED, MAINTENANCE_OVERLAPS, NODE_RESERVED, PRECONDITION_FAILED")
    @Operation(operationId = "updateMaintenance", summary = "Move a maintenance window, or make it longer or shorter "
            + "(operator or platform admin)", description = "A merge patch of `startAt` (only while SCHEDULED), `endAt` "
            + "(while SCHEDULED or IN_PROGRESS: later than now; the work overran, or will finish sooner) and "
            + "`reason`; a field left out stays. Checked as a new window in its place: another window of one of its "
            + "nodes overlapping is 409 `MAINTENANCE_OVERLAPS`, reservations sold that the other cards could not "
            + "carry for the new window 409 `NODE_RESERVED`, and nothing changes. An ended or cancelled window is 409 "
            + "`MAINTENANCE_NOT_UPDATABLE`. A change to nothing answers it unchanged. Audited (`updateMaintenance`). "
            + "With `If-Match` (the `ETag` of `getMaintenance`), only if the window has not changed since (412 "
            + "`PRECONDITION_FAILED` otherwise, also once it has begun: its state is part of what was read).")
    public Uni<MaintenanceView> update(@PathParam("clusterId") UUID clusterId,
            @PathParam("maintenanceId") UUID maintenanceId, @Valid @NotNull UpdateMaintenance body,
            @HeaderParam("If-Match") String ifMatch) {
        return maintenance.update(callers.get(), clusterId, maintenanceId, body, ifMatch);
    }

    @POST
    @Path("/{maintenanceId}/cancel")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", MAINTENANCE_NOT_FOUND, MAINTENANCE_NOT_CANCELLABLE")
    @Operation(operationId = "cancelMaintenance", summary = "Call off a window that has not begun (operator or "
            + "platform admin)", description = "Its nodes are never taken out; the cards it kept from sale are for "
            + "sale again. A window under way is 409 `MAINTENANCE_NOT_CANCELLABLE` (complete it instead). Audited.")
    public Uni<MaintenanceView> cancel(@PathParam("clusterId") UUID clusterId,
            @PathParam("maintenanceId") UUID maintenanceId) {
        return maintenance.cancel(callers.get(), clusterId, maintenanceId);
    }

    @POST
    @Path("/{maintenanceId}/complete")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", MAINTENANCE_NOT_FOUND, MAINTENANCE_NOT_IN_PROGRESS")
    @Operation(operationId = "completeMaintenance", summary = "End a window under way now, the work done (operator "
            + "or platform admin)", description = "Its nodes take work again at once and the rest of the window's "
            + "cards are for sale. A window not under way is 409 `MAINTENANCE_NOT_IN_PROGRESS`. Audited.")
    public Uni<MaintenanceView> complete(@PathParam("clusterId") UUID clusterId,
            @PathParam("maintenanceId") UUID maintenanceId) {
        return maintenance.complete(callers.get(), clusterId, maintenanceId);
    }
}
