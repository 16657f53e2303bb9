package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.ChangedJobs;
import city.myriad.jobs.mapping.JobsApi.SelectJobs;
import city.myriad.jobs.service.JobHolds;
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

/** releaseJobs: many jobs at once, on a path of its own as cancelJobs (under /jobs the name would read as a job id). */
@Path("/api/v1/job-releases")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobReleaseResource {

    private final JobHolds holds;
    private final CurrentCaller callers;

    JobReleaseResource(JobHolds holds, CurrentCaller callers) {
        this.holds = holds;
        this.callers = callers;
    }

    @POST
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "releaseJobs", summary = "Release every held job a selector keeps (tenant-admin or tenant-member)",
            description = "As Slurm's scontrol release with a job list or name: the tenant's HELD jobs that every field of the "
                    + "selector keeps (at least one field; `{}` is 400) are released as releaseJob releases one (QUEUED "
                    + "again, their wait counted from now), oldest first, up to 500 a call, each in its own transaction and "
                    + "audit event (`releaseJobs`). A job cancelled meanwhile is left alone. `more` says the selector keeps "
                    + "more: call again. Jobs HELD only for their dependencies (reason DEPENDENCY) have no hold of the "
                    + "tenant's to release and are left out. A repeat releases only what is still HELD, so it needs no "
                    + "Idempotency-Key.")
    public Uni<ChangedJobs> releaseAll(@Valid @NotNull SelectJobs body) {
        return holds.releaseAll(callers.get(), body);
    }
}
