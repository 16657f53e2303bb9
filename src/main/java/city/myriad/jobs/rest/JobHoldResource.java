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

/** holdJobs: many jobs at once, on a path of its own as cancelJobs (under /jobs the name would read as a job id). */
@Path("/api/v1/job-holds")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobHoldResource {

    private final JobHolds holds;
    private final CurrentCaller callers;

    JobHoldResource(JobHolds holds, CurrentCaller callers) {
        this.holds = holds;
        this.callers = callers;
    }

    @POST
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "holdJobs", summary = "Hold every queued job a selector keeps (tenant-admin or tenant-member)",
            description = "As Slurm's scontrol hold with a job list or name: the tenant's QUEUED jobs that every field of the "
                    + "selector keeps (at least one field; `{}` is 400) are held as holdJob holds one (HELD, out of every "
                    + "queue until released), oldest first, up to 500 a call, each in its own transaction and audit event "
                    + "(`holdJobs`); once no queued one is left, its jobs HELD for their dependencies, up to 500 more, "
                    + "held by the tenant too (reason HELD_BY_TENANT: they stay HELD when what they wait for ends). A "
                    + "job that started or ended meanwhile is left alone. `more` says the selector keeps more: call "
                    + "again. A repeat holds only what is still to hold, so it needs no Idempotency-Key.")
    public Uni<ChangedJobs> holdAll(@Valid @NotNull SelectJobs body) {
        return holds.holdAll(callers.get(), body);
    }
}
