package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.CreateJobArray;
import city.myriad.jobs.mapping.JobsApi.JobArrayView;
import city.myriad.jobs.mapping.JobsApi.UpdateJobArray;
import city.myriad.jobs.service.JobArrays;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.security.CurrentCaller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Job arrays: many jobs alike submitted at once, each knowing its index (docs/jobs.md, "Job arrays"). */
@Path("/api/v1/job-arrays")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobArrayResource {

    private final JobArrays arrays;
    private final CurrentCaller callers;
    private final Creations creations;
    private final ObjectMapper json;

    JobArrayResource(JobArrays arrays, CurrentCaller callers, Creations creations, ObjectMapper json) {
        this.json = json;
        this.arrays = arrays;
        this.callers = callers;
        this.creations = creations;
    }

    @POST
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", VALIDATION_FAILED, PROJECT_NOT_FOUND, "
            + "CLUSTER_NOT_FOUND, UNKNOWN_MODEL, INVALID_CARDS, NOT_FOR_SALE, CAPACITY_UNAVAILABLE, "
            + "RESERVATION_MISMATCH, RESERVATION_NOT_FOUND, RESERVATION_NOT_USABLE, JOB_LARGER_THAN_RESERVATION, "
            + "QUOTA_EXCEEDED, BUDGET_EXCEEDED, TENANT_SUSPENDED, PROJECT_ARCHIVED, JOB_DEPENDENCY_NEVER_SATISFIED")
    @Operation(operationId = "createJobArray", summary = "Submit a job array: many jobs alike at once "
            + "(tenant-admin or tenant-member)", description = "As Slurm's sbatch --array: `size` jobs (1 to 1000), "
            + "each `job` as createJob takes it (a quoteId aside: a quote prices one job), with `arrayIndex` 0 to "
            + "size - 1. Bought whole or not at all: each job is checked as createJob checks one, and the budget and "
            + "GPU-hour limits once for all of them together (422 BUDGET_EXCEEDED or QUOTA_EXCEEDED, nothing "
            + "queued). Then each is a job of its own: queued, placed, run, metered and billed as any; listJobs, "
            + "cancelJobs, holdJobs and releaseJobs take `arrayId`. One Idempotency-Key covers the whole array. "
            + "Errors in the job name their fields as `job.<field>`.")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = JobArrayView.class)))
    public Uni<Response> create(@HeaderParam(Creations.KEY) String key, @Valid @NotNull CreateJobArray body) {
        return creations.create(callers.get(), key, body, () -> arrays.create(callers.get(), body));
    }

    @PATCH
    @Path("/{arrayId}")
    @Consumes({JobResource.MERGE_PATCH, MediaType.APPLICATION_JSON})
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", JOB_ARRAY_NOT_FOUND, VALIDATION_FAILED")
    @Operation(operationId = "updateJobArray", summary = "Change how many of a job array's jobs run at once "
            + "(tenant-admin or tenant-member)", description = "As Slurm's scontrol update ArrayTaskThrottle, by a "
            + "JSON merge patch (RFC 7396): `maxRunning` (1 to the array's size; null: no limit of its own). The "
            + "scheduling loop applies it within 5 seconds; jobs running beyond a lowered limit run on. A patch that "
            + "changes nothing answers the array as it is. Audited (`updateJobArray`).")
    public Uni<JobArrayView> update(@PathParam("arrayId") UUID arrayId,
            @RequestBody(required = true, content = {
                    @Content(mediaType = JobResource.MERGE_PATCH, schema = @Schema(implementation = UpdateJobArray.class)),
                    @Content(mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = UpdateJobArray.class))}) JsonNode body)
            throws JsonProcessingException {
        MergePatch<UpdateJobArray> patch = MergePatch.read(body, UpdateJobArray.class, json);
        return arrays.update(callers.get(), arrayId, patch.value(), patch.given());
    }

    @GET
    @Path("/{arrayId}")
    @Extension(name = "x-problem-codes", value = JobResource.TENANT_CODES + ", JOB_ARRAY_NOT_FOUND")
    @Operation(operationId = "getJobArray", summary = "A job array: its jobs by index and how many stand in each "
            + "state (any tenant role)")
    public Uni<JobArrayView> get(@PathParam("arrayId") UUID arrayId) {
        return arrays.get(callers.get(), arrayId);
    }
}
