package city.myriad.catalog.rest;

import city.myriad.catalog.mapping.CatalogApi.CreateOperator;
import city.myriad.catalog.mapping.CatalogApi.OperatorView;
import city.myriad.catalog.service.OperatorService;
import city.myriad.platform.audit.AuditApi.AuditEventView;
import city.myriad.platform.audit.AuditQuery;
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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/operators")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "catalog")
public class OperatorResource {

    private final OperatorService operators;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;

    OperatorResource(OperatorService operators, CurrentCaller callers, Paging paging, Creations creations) {
        this.creations = creations;
        this.paging = paging;
        this.operators = operators;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "")
    @Operation(operationId = "listOperators", summary = "List cluster operators")
    public Uni<Page<OperatorView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return operators.list(paging.request(cursor, limit));
    }

    @POST
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, OPERATOR_SLUG_TAKEN")
    @Operation(operationId = "createOperator", summary = "Register a cluster operator (platform admin)")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OperatorView.class)))
    public Uni<Response> create(@HeaderParam("Idempotency-Key") String key, @Valid @NotNull CreateOperator body) {
        return creations.create(caller(), key, body, () -> operators.create(caller(), body));
    }

    @GET
    @Path("/{operatorId}/audit-events")
    @Extension(name = "x-problem-codes", value = "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN, NOT_YOUR_OPERATOR, "
            + "OPERATOR_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "listOperatorAuditEvents", summary = "The operator's audit trail, newest first",
            description = "Every change made to the operator's clusters through this contract, written in the "
                    + "change's own transaction: clusters registered (`createCluster`), inventories imported "
                    + "(`importNodes`), node states changed (`setNodeState`; a state set to what it already was is "
                    + "not a change), nodes removed (`removeNode`), maintenance scheduled, cancelled and completed "
                    + "(`createMaintenance`, `cancelMaintenance`, `completeMaintenance`), price books set (`setPrices`), and the operator's registration "
                    + "(`createOperator`). The operator's people and platform admins read it; the same events and "
                    + "filters as a tenant's trail (`listAuditEvents`).")
    public Uni<Page<AuditEventView>> auditEvents(
            @Parameter(example = "01930000-0000-7000-8000-00000000a001") @PathParam("operatorId") UUID operatorId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit, @BeanParam AuditQuery query) {
        return operators.auditEvents(caller(), operatorId, query.filter(), paging.request(cursor, limit));
    }
    private Caller caller() {
        return callers.get();
    }
}
