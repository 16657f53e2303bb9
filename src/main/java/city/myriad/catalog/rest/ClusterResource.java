package city.myriad.catalog.rest;

import city.myriad.catalog.mapping.CatalogApi.Capacity;
import city.myriad.catalog.mapping.CatalogApi.CardOutageView;
import city.myriad.catalog.mapping.CatalogApi.CardStateChange;
import city.myriad.catalog.mapping.CatalogApi.ClusterView;
import city.myriad.catalog.mapping.CatalogApi.CreateCluster;
import city.myriad.catalog.mapping.CatalogApi.ImportResult;
import city.myriad.catalog.mapping.CatalogApi.NodeHistoryEntry;
import city.myriad.catalog.mapping.CatalogApi.NodeStateChange;
import city.myriad.catalog.mapping.CatalogApi.NodeView;
import city.myriad.catalog.service.CardHealth;
import city.myriad.catalog.service.ClusterService;
import city.myriad.catalog.service.NodeHistory;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/clusters")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "catalog")
public class ClusterResource {

    private final ClusterService clusters;
    private final NodeHistory nodeHistory;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;

    private final CardHealth cards;

    ClusterResource(ClusterService clusters, NodeHistory nodeHistory, CurrentCaller callers, Paging paging,
            Creations creations, CardHealth cards) {
        this.cards = cards;
        this.nodeHistory = nodeHistory;
        this.creations = creations;
        this.paging = paging;
        this.clusters = clusters;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "OPERATOR_IDENTITY_UNKNOWN")
    @Operation(operationId = "listClusters", summary = "List clusters",
            description = "Operators see their own clusters; everybody else sees the whole catalog.")
    public Uni<Page<ClusterView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return clusters.list(caller(), paging.request(cursor, limit));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "OPERATOR_REQUIRED, UNKNOWN_OPERATOR, NOT_YOUR_OPERATOR, OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, CLUSTER_SLUG_TAKEN")
    @Operation(operationId = "createCluster", summary = "Register a cluster (operator or platform admin)")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ClusterView.class)))
    public Uni<Response> create(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull CreateCluster body) {
        return creations.create(caller(), key, body, () -> clusters.create(caller(), body));
    }

    @GET
    @Path("/{clusterId}")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND")
    @Operation(operationId = "getCluster", summary = "Get a cluster")
    public Uni<ClusterView> get(@PathParam("clusterId") UUID clusterId) {
        return clusters.get(caller(), clusterId);
    }

    @POST
    @Path("/{clusterId}/nodes")
    @Consumes("text/csv")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, INVALID_INVENTORY, INVALID_INVENTORY_HEADER, EMPTY_INVENTORY, RACK_IN_TWO_BLOCKS")
    @Operation(operationId = "importNodes", summary = "Import the cluster's inventory (CSV)",
            description = "All or nothing: every row is checked first, and a bad file is answered with every bad row."
                    + " Nodes are matched by node_id, so re-importing a file changes nothing; node states are kept.")
    @RequestBody(content = @Content(mediaType = "text/csv", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING),
            example = "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\nhz-n0001,ASCEND-910B,8,192000,1572864,hz-r001,hz-b01\n"))
    public Uni<ImportResult> importNodes(@PathParam("clusterId") UUID clusterId, byte[] csv) {
        return clusters.importInventory(caller(), clusterId, csv);
    }

    @GET
    @Path("/{clusterId}/nodes")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, VALIDATION_FAILED")
    @Operation(operationId = "listNodes", summary = "List the cluster's nodes, optionally in one state and of one "
            + "model, or only those with a card out of service (operator or platform admin)")
    public Uni<Page<NodeView>> nodes(@PathParam("clusterId") UUID clusterId, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"AVAILABLE", "DRAINING", "DOWN"}))
            @QueryParam("state") String state,
            @Parameter(description = "A card model, as the inventory names it", example = "ASCEND-910B")
            @QueryParam("model") String model,
            @Parameter(description = "Only the nodes with a card out of service (`setCardState`): the repair list",
                    schema = @Schema(type = SchemaType.BOOLEAN)) @QueryParam("cardsOut") String cardsOut) {
        return clusters.nodes(caller(), clusterId, paging.request(cursor, limit), state, model,
                city.myriad.platform.validation.Fields.flag("cardsOut", cardsOut));
    }

    @GET
    @Path("/{clusterId}/nodes/{nodeName}")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, NODE_NOT_FOUND")
    @Operation(operationId = "getNode", summary = "One node of the cluster (operator or platform admin)",
            description = "As `listNodes` lists it. Its `ETag` is what `setNodeState` takes in `If-Match`.")
    public Uni<NodeView> node(@PathParam("clusterId") UUID clusterId, @PathParam("nodeName") String nodeName) {
        return clusters.node(caller(), clusterId, nodeName);
    }

    @GET
    @Path("/{clusterId}/nodes/{nodeName}/history")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, NODE_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "listNodeHistory", summary = "A node's states over time, newest first (operator or "
            + "platform admin)", description = "Every change of the node's state, cards or model, whoever made it (an "
            + "import, setNodeState, the agents' node events, a maintenance window, removeNode), since Myriad first "
            + "knew the node: each entry holds from its `at` until the next newer one. A removed node's history stays "
            + "readable. What getClusterOccupancy counts the cards from.")
    public Uni<Page<NodeHistoryEntry>> nodeHistory(@PathParam("clusterId") UUID clusterId,
            @PathParam("nodeName") String nodeName, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return nodeHistory.of(caller(), clusterId, nodeName, paging.request(cursor, limit));
    }

    @GET
    @Path("/{clusterId}/card-outages")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, VALIDATION_FAILED")
    @Operation(operationId = "listCardOutages", summary = "The cluster's cards out of service over time, newest first "
            + "(operator or platform admin)", description = "Each time a card was taken out of service "
            + "(`setCardState`, an agent's `CARD_DOWN`) and when it came back (null while it is out): which cards "
            + "failed over a month, how long each was out, who said so; what a vendor's RMA asks. `from` and `to` "
            + "(optional, ISO-8601) keep the outages that overlap them.")
    public Uni<Page<CardOutageView>> cardOutages(@PathParam("clusterId") UUID clusterId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @Parameter(description = "ISO-8601 instant: outages going on at or after it", example = "2026-11-01T00:00:00Z")
            @QueryParam("from") String from,
            @Parameter(description = "ISO-8601 instant, after from: outages begun before it",
                    example = "2026-12-01T00:00:00Z") @QueryParam("to") String to) {
        return cards.outages(caller(), clusterId, city.myriad.platform.validation.Fields.span(from, to),
                paging.request(cursor, limit));
    }

    @PUT
    @Path("/{clusterId}/nodes/{nodeName}/state")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, NODE_NOT_FOUND")
    @Operation(operationId = "setNodeState", summary = "Drain, take down or restore a node (operator or platform admin)",
            description = "With `If-Match` (the `ETag` of `getNode`), only if the "
                    + "node has not changed since: otherwise 412 `PRECONDITION_FAILED` and nothing changes.")
    public Uni<NodeView> setState(@PathParam("clusterId") UUID clusterId, @PathParam("nodeName") String nodeName,
            @Valid @NotNull NodeStateChange body, @HeaderParam("If-Match") String ifMatch) {
        return clusters.setNodeState(caller(), clusterId, nodeName, body.state(), ifMatch);
    }

    @PUT
    @Path("/{clusterId}/nodes/{nodeName}/cards/{card}/state")
    @Consumes(MediaType.APPLICATION_JSON)
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, NODE_NOT_FOUND, CARD_NOT_FOUND, PRECONDITION_FAILED")
    @Operation(operationId = "setCardState", summary = "Take one card of a node out of service, or put it back "
            + "(operator or platform admin)",
            description = "A failed card (an Ascend chip fault, an NVIDIA Xid) without draining its node: `DOWN` with a "
                    + "`reason` takes the card out. It keeps its index; the node's other cards keep working and being "
                    + "sold, the card takes no new work and is sold to nobody, and a job running on it ends as on a "
                    + "node down (its run credited; SPOT requeued, the others FAILED with reason `CARD_DOWN`). "
                    + "`AVAILABLE` puts it back. The node's capacity counts it down, its history and the cluster's "
                    + "occupancy too. A card already so is answered unchanged; each change is audited. The card is "
                    + "0 to `gpus` - 1 (404 `CARD_NOT_FOUND` otherwise). With `If-Match` (the `ETag` of `getNode`), "
                    + "only if the node has not changed since: otherwise 412 `PRECONDITION_FAILED`. Agents report "
                    + "the same with `CARD_DOWN` and `CARD_UP` events.")
    public Uni<NodeView> setCardState(@PathParam("clusterId") UUID clusterId, @PathParam("nodeName") String nodeName,
            @PathParam("card") @Parameter(description = "The card's index on the node, from 0",
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "0", maximum = "1023")) String card,
            @Valid @NotNull CardStateChange body, @HeaderParam("If-Match") String ifMatch) {
        return cards.set(caller(), clusterId, nodeName, cardIndex(card), body.state(), body.reason(), ifMatch);
    }

    /** A card's index from the path: digits only, within what a node may have; 404 otherwise (no such card). */
    private static int cardIndex(String card) {
        if (card == null || !card.matches("[0-9]{1,4}") || Integer.parseInt(card) > 1023) {
            throw new MyriadProblem.NotFound(ProblemCode.CARD_NOT_FOUND, "No card '" + card
                    + "': cards are numbered from 0");
        }
        return Integer.parseInt(card);
    }

    @DELETE
    @Path("/{clusterId}/nodes/{nodeName}")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, NODE_NOT_FOUND, NODE_IN_SERVICE, NODE_IN_USE, NODE_RESERVED, "
            + "PRECONDITION_FAILED")
    @Operation(operationId = "removeNode", summary = "Remove a decommissioned node (operator or platform admin)",
            description = "For good: the node leaves the inventory, the offers and the scheduler. Only a node out of "
                    + "service (DRAINING or DOWN; an AVAILABLE one is 409 `NODE_IN_SERVICE`), on which no job runs "
                    + "(409 `NODE_IN_USE`) and whose cards no reservation sold needs (409 `NODE_RESERVED`: the "
                    + "remaining cards would not carry them; a DOWN node's cards are sold to nobody). With `If-Match` "
                    + "(the `ETag` of `getNode`), only if the node has not changed since: otherwise 412 "
                    + "`PRECONDITION_FAILED`. Re-importing a file that lists it adds it again, as a new node.")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<Void> removeNode(@PathParam("clusterId") UUID clusterId, @PathParam("nodeName") String nodeName,
            @HeaderParam("If-Match") String ifMatch) {
        return clusters.removeNode(caller(), clusterId, nodeName, ifMatch);
    }

    @GET
    @Path("/{clusterId}/capacity")
    @Extension(name = "x-problem-codes", value = "CLUSTER_NOT_FOUND")
    @Operation(operationId = "getClusterCapacity", summary = "Cards per model: total, available, draining, down")
    public Uni<Capacity> capacity(@PathParam("clusterId") UUID clusterId) {
        return clusters.capacity(caller(), clusterId);
    }

    private Caller caller() {
        return callers.get();
    }
}
