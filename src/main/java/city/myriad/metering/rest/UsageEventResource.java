package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.UsageEventResults;
import city.myriad.metering.mapping.MeteringApi.UsageEvents;
import city.myriad.metering.service.UsageIngestion;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/usage-events")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class UsageEventResource {

    private final UsageIngestion ingestion;
    private final CurrentCaller callers;

    UsageEventResource(UsageIngestion ingestion, CurrentCaller callers) {
        this.ingestion = ingestion;
        this.callers = callers;
    }

    @POST
    @Extension(name = "x-problem-codes", value = "VALIDATION_FAILED, CLUSTER_NOT_FOUND, NOT_CLUSTER_OPERATOR, "
            + "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN")
    @Operation(operationId = "ingestUsageEvents", summary = "Report measured usage (operator)",
            description = "A batch of 1 to 1,000 events, each one job's cards on one node over an interval. The "
                    + "caller must operate every cluster named (or be a platform admin). Each event is ACCEPTED, "
                    + "DUPLICATE (its (clusterId, eventId) was kept before: counted once, however late the retry) or "
                    + "REJECTED with a reason: MALFORMED, UNKNOWN_JOB, OUTSIDE_RUN, NODE_NOT_IN_PLACEMENT, "
                    + "CARDS_ABOVE_PLACEMENT, TOO_LATE (ended longer ago than the late window, 35 days by default). "
                    + "The accepted events commit together and the answer comes only once the commit is durable: "
                    + "a batch whose answer was lost can be sent again as it is.")
    public Uni<UsageEventResults> ingest(@Valid @NotNull UsageEvents body) {
        return ingestion.ingest(callers.get(), body.events());
    }
}
