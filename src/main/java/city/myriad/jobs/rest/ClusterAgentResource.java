package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.AssignmentView;
import city.myriad.jobs.mapping.JobsApi.ClusterEvents;
import city.myriad.jobs.mapping.JobsApi.ClusterQueueView;
import city.myriad.jobs.mapping.JobsApi.EventResults;
import city.myriad.jobs.service.ClusterAgentService;
import city.myriad.jobs.service.ClusterQueues;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/clusters/{clusterId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class ClusterAgentResource {

    static final String OPERATOR_CODES = "CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, OPERATOR_ROLE_REQUIRED, "
            + "OPERATOR_IDENTITY_UNKNOWN";

    private final ClusterAgentService agents;
    private final CurrentCaller callers;
    private final Paging paging;
    private final ClusterQueues queues;

    ClusterAgentResource(ClusterAgentService agents, CurrentCaller callers, Paging paging, ClusterQueues queues) {
        this.agents = agents;
        this.queues = queues;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Path("/assignments")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES)
    @Operation(operationId = "listAssignments", summary = "What the cluster's agents must start and stop (operator)",
            description = "Open assignments in order: START a run on its placement, STOP a run (cancelled, preempted, "
                    + "over its time limit, its node down). An assignment stays open until an event acknowledges it: "
                    + "JOB_STARTED (or the run's end) for START, JOB_STOPPED for STOP.")
    public Uni<Page<AssignmentView>> assignments(@PathParam("clusterId") UUID clusterId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        return agents.assignments(callers.get(), clusterId, paging.request(cursor, limit));
    }

    @GET
    @Path("/queue")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES)
    @Operation(operationId = "getClusterQueue", summary = "The cluster's demand and use per card model (operator)",
            description = "Across tenants, counts only: the jobs running and the cards they hold, the jobs queued, the "
                    + "cards and card-hours they ask and why they wait, the longest wait, and how long the cards in "
                    + "service would take to run the queue; each by class too.")
    public Uni<ClusterQueueView> queue(@PathParam("clusterId") UUID clusterId) {
        return queues.of(callers.get(), clusterId);
    }

    @POST
    @Path("/events")
    @Extension(name = "x-problem-codes", value = OPERATOR_CODES + ", UNKNOWN_NODE")
    @Operation(operationId = "postClusterEvents", summary = "Report what the agents saw (operator)",
            description = "Runs started, succeeded, failed or stopped; nodes up, draining or down. Idempotent by "
                    + "eventId: a retried event is answered DUPLICATE and applied once. A node that goes down ends "
                    + "its runs: SPOT requeued, the others FAILED (NODE_DOWN), both credited.")
    public Uni<EventResults> events(@PathParam("clusterId") UUID clusterId, @Valid @NotNull ClusterEvents body) {
        return agents.events(callers.get(), clusterId, body.events());
    }
}
