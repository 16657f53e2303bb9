package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.CancelJobs;
import city.myriad.jobs.mapping.JobsApi.CancelledJobs;
import city.myriad.jobs.service.JobCancellations;
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

/**
 * Cancelling many jobs at once. Its own path, not {@code /jobs/cancel}: under {@code /jobs} that name would also be
 * read as a job id by the routes of one job.
 */
@Path("/api/v1/job-cancellations")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobCancellationResource {

    private final JobCancellations cancellations;
    private final CurrentCaller callers;

    JobCancellationResource(JobCancellations cancellations, CurrentCaller callers) {
        this.cancellations = cancellations;
        this.callers = callers;
    }

    @POST
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "cancelJobs", summary = "Cancel every live job a selector keeps (tenant-admin or "
            + "tenant-member)", description = "As Slurm's scancel with --name, --user or --state: the tenant's QUEUED, HELD "
            + "and RUNNING jobs that every field of the selector keeps (at least one field; `{}` is 400) are "
            + "cancelled as cancelJob cancels one (CANCELLED_BY_TENANT, a running one stopped and charged to now), "
            + "oldest first, up to 500 a call, each in its own transaction and audit event (`cancelJobs`). A job "
            + "that ended meanwhile, or left the state the selector names, is left alone. `more` says the "
            + "selector keeps more: call again. A repeat cancels only what is still live, so it needs no "
            + "Idempotency-Key.")
    public Uni<CancelledJobs> cancelAll(@Valid @NotNull CancelJobs body) {
        return cancellations.cancel(callers.get(), body);
    }
}
