package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.OccupancyView;
import city.myriad.metering.service.ClusterOccupancy;
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

@Path("/api/v1/clusters/{clusterId}/occupancy")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class ClusterOccupancyResource {

    private final ClusterOccupancy occupancy;
    private final CurrentCaller callers;

    ClusterOccupancyResource(ClusterOccupancy occupancy, CurrentCaller callers) {
        this.occupancy = occupancy;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "VALIDATION_FAILED, CLUSTER_NOT_FOUND, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN, NOT_CLUSTER_OPERATOR")
    @Operation(operationId = "getClusterOccupancy", summary = "How full the cluster was kept (operator)",
            description = "Over [from, to), by hour or day (buckets aligned on from) and card model: the cards of the "
                    + "cluster's nodes by state (available, draining, down), the cards given to runs by class (closed "
                    + "runs, and the runs going on to now) and the cards held by reservations; allocation (cards "
                    + "that ran work over cards in service: available and draining) and sold (reservations' holds "
                    + "plus on-demand and spot runs over cards in service). Nodes count from when Myriad first knew "
                    + "them. For the cluster's operator and platform admins.")
    public Uni<OccupancyView> occupancy(@PathParam("clusterId") UUID clusterId,
            @Parameter(required = true, description = "ISO-8601 instant", example = "2026-11-01T00:00:00Z")
            @QueryParam("from") String from,
            @Parameter(required = true, description = "ISO-8601 instant, after from: at most 31 days by hour, 400 by "
                    + "day", example = "2026-12-01T00:00:00Z") @QueryParam("to") String to,
            @Parameter(description = "Default day", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"hour", "day"})) @QueryParam("groupBy") String groupBy,
            @Parameter(description = "One card model the cluster has or had (a model whose nodes are all gone is "
                    + "reported for the time it had them)", example = "ASCEND-910B") @QueryParam("model")
            String model) {
        return occupancy.of(callers.get(), clusterId, from, to, groupBy, model);
    }
}
