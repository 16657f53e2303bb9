package city.myriad.jobs.rest;

import city.myriad.jobs.mapping.JobsApi.CreateJob;
import city.myriad.jobs.mapping.JobsApi.JobView;
import city.myriad.jobs.mapping.JobsApi.ListJobs;
import city.myriad.jobs.mapping.JobsApi.UpdateJob;
import city.myriad.jobs.service.JobHolds;
import city.myriad.jobs.service.JobService;
import city.myriad.jobs.service.JobUpdates;
import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/jobs")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobResource {

    static final String TENANT_CODES = "NO_TENANT, UNKNOWN_TENANT, TENANT_ROLE_REQUIRED, TENANT_NOT_FOUND";

    private final JobService jobs;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;
    private final JobHolds holds;
    private final JobUpdates updates;
    private final ObjectMapper json;

    JobResource(JobService jobs, CurrentCaller callers, Paging paging, Creations creations, JobHolds holds,
            JobUpdates updates, ObjectMapper json) {
        this.holds = holds;
        this.updates = updates;
        this.json = json;
        this.jobs = jobs;
        this.callers = callers;
        this.paging = paging;
        this.creations = creations;
    }

    @POST
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", PROJECT_NOT_FOUND, CLUSTER_NOT_FOUND, UNKNOWN_MODEL, "
            + "INVALID_CARDS, NOT_FOR_SALE, CAPACITY_UNAVAILABLE, RESERVATION_MISMATCH, RESERVATION_NOT_FOUND, "
            + "RESERVATION_NOT_USABLE, JOB_LARGER_THAN_RESERVATION, QUOTE_NOT_FOUND, QUOTE_EXPIRED, QUOTE_USED, QUOTE_MISMATCH, "
            + "QUOTA_EXCEEDED, BUDGET_EXCEEDED, TENANT_SUSPENDED, PROJECT_ARCHIVED, JOB_DEPENDENCY_NEVER_SATISFIED")
    @Operation(operationId = "createJob", summary = "Submit a job (tenant-admin or tenant-member)",
            description = "Priced at submission (the book's price now, or the quote's), checked against the card "
                    + "quotas (422 QUOTA_EXCEEDED if it can never fit them) and the month's budget at its "
                    + "maxRunSeconds (422 BUDGET_EXCEEDED), then QUEUED for the cluster's scheduling loop, which "
                    + "places it on cards when they are free; or HELD, if submitted with hold or with dependsOn naming "
                    + "jobs that have not ended (409 JOB_DEPENDENCY_NEVER_SATISFIED if one has ended otherwise than "
                    + "asked).")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    public Uni<Response> create(@HeaderParam(Creations.KEY) String key, @Valid @NotNull CreateJob body) {
        return creations.create(callers.get(), key, body, () -> jobs.create(callers.get(), body));
    }

    @GET
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", VALIDATION_FAILED, PROJECT_NOT_FOUND")
    @Operation(operationId = "listJobs", summary = "The tenant's jobs, optionally of one project, state and cluster",
            description = "A tenant's own (any tenant role); platform admins: every tenant's, or one tenant's with "
                    + "`tenantId` (support reading what a tenant sees). Oldest first (by id), or newest first with `order=newest`. Each QUEUED job carries its "
                    + "queuePosition and estimatedStartAt as its own getJob gives them; the history is left out "
                    + "(getJob has it). `tag=key=value` (repeated: all of them) lists the jobs carrying those tags; "
                    + "`submittedBy` the jobs one username submitted; `name` the jobs of one name; `from` / `to` "
                    + "the jobs submitted in that half-open interval; `dependsOn` the jobs waiting for one job (its "
                    + "dependents, whatever their state: a pipeline's next steps); `arrayId` the jobs of one job array; "
                    + "`model` the jobs of one card model; `reason` the jobs waiting or ended for one reason. Filters "
                    + "combine (all of them hold).")
    public Uni<Page<JobView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @QueryParam("projectId") UUID projectId,
            @Parameter(description = "A state a job rests in; PREEMPTED is not one (a preempted job is QUEUED again "
                    + "at once, its transitions show the preemption)", schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "HELD"}))
            @QueryParam("state") String state,
            @QueryParam("clusterId") UUID clusterId,
            @Parameter(description = "Only jobs carrying this tag: key=value (key= for an empty value), as "
                    + "tag=team=vision; repeated, jobs carrying every one")
            @QueryParam("tag") List<String> tag,
            @Parameter(description = "Only the jobs this username submitted (a job's `submittedBy`)", example = "amy")
            @QueryParam("submittedBy") String submittedBy,
            @Parameter(description = "Only the jobs of this name (exactly, as submitted)", example = "llama-ft-3 nightly")
            @QueryParam("name") String name,
            @Parameter(description = "Only the jobs submitted at this instant or later",
                    example = "2026-12-01T00:00:00Z")
            @QueryParam("from") String from,
            @Parameter(description = "Only the jobs submitted before this instant", example = "2026-12-08T00:00:00Z")
            @QueryParam("to") String to,
            @Parameter(description = "`oldest` (the default) or `newest` first", schema = @Schema(
                    type = SchemaType.STRING, enumeration = {"oldest", "newest"}))
            @QueryParam("order") String order,
            @Parameter(description = "Only the jobs that named this job in their dependsOn (its dependents)")
            @QueryParam("dependsOn") UUID dependsOn,
            @Parameter(description = "Only the jobs of this job array (createJobArray); in index order with the "
                    + "default order") @QueryParam("arrayId") UUID arrayId,
            @Parameter(description = "Only the jobs asking cards of this model", example = "ASCEND-910B")
            @QueryParam("model") String model,
            @Parameter(description = "Only the jobs waiting or ended for this reason (a job's `reason`; the code before "
                    + "a colon: NEVER_FITS keeps `NEVER_FITS: NO_ALLOWED_MODEL`), as state=QUEUED&reason=QUOTA: the "
                    + "jobs a quota holds back", example = "QUOTA", schema = @Schema(type = SchemaType.STRING,
                    pattern = "^[A-Z][A-Z_]{0,63}$")) @QueryParam("reason") String reason,
            @Parameter(description = "Platform admins: one tenant's jobs (a tenant's own id is taken too; another's "
                    + "is 404)") @QueryParam("tenantId") UUID tenantId) {
        return jobs.list(callers.get(), paging.request(cursor, limit), new ListJobs(projectId, state, clusterId, tag,
                submittedBy, name, from, to, order, dependsOn, arrayId, model, reason, tenantId));
    }

    @GET
    @Path("/{jobId}")
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", JOB_NOT_FOUND")
    @Operation(operationId = "getJob", summary = "A job: where it runs or why it waits, its cost and its history",
            description = "The job of the caller's tenant; platform admins: any tenant's job.")
    public Uni<JobView> get(@PathParam("jobId") UUID jobId) {
        return jobs.get(callers.get(), jobId);
    }

    @POST
    @Path("/{jobId}/cancel")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", JOB_NOT_FOUND, JOB_NOT_CANCELLABLE")
    @Operation(operationId = "cancelJob", summary = "Cancel a job (tenant-admin or tenant-member; platform admins: any)",
            description = "A QUEUED job leaves the queue (a HELD one ends); a RUNNING one is charged for the time it "
                    + "ran and its agents are told to stop it. Cancelling a cancelled job again answers it unchanged. "
                    + "Reason CANCELLED_BY_TENANT, or CANCELLED_BY_ADMIN when a platform admin cancels any tenant's "
                    + "job (support; in the tenant's audit trail).")
    public Uni<JobView> cancel(@PathParam("jobId") UUID jobId) {
        return jobs.cancel(callers.get(), jobId);
    }

    /** RFC 7396's media type; plain JSON is taken too. */
    static final String MERGE_PATCH = MergePatch.MEDIA_TYPE;

    @PATCH
    @Path("/{jobId}")
    @Consumes({MERGE_PATCH, MediaType.APPLICATION_JSON})
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", JOB_NOT_FOUND, JOB_NOT_UPDATABLE, "
            + "VALIDATION_FAILED, JOB_DEPENDENCY_NEVER_SATISFIED, RESERVATION_NOT_FOUND")
    @Operation(operationId = "updateJob", summary = "Rename, retag, reprioritize or reschedule a job that has not "
            + "started, or change its requeues (tenant-admin or tenant-member)",
            description = "As Slurm's scontrol update of a pending job, "
                    + "by a JSON merge patch (RFC 7396): `name`, `tags` (merged key by key; a key given null is "
                    + "removed), `notBefore`, a lower `maxRunSeconds`, `dependsOn` (replaced whole: the job is HELD or "
                    + "QUEUED as its new dependencies say; none may close a cycle), `priority` (its place among "
                    + "the tenant's own waiting jobs) and `requeuesLeft` (requeues after infrastructure failures, "
                    + "as createJob's maxRequeues); a field left out stays, one given null is cleared. "
                    + "Only a QUEUED or HELD job that has never run (409 JOB_NOT_UPDATABLE otherwise: its usage was "
                    + "metered under what it was), but its `priority` and `requeuesLeft` while it is QUEUED or HELD "
                    + "after a run too. A notBefore moved later makes it wait for it (reason NOT_BEFORE), "
                    + "its wait in the queue counting from then; cleared, a job still waiting for it is eligible now. "
                    + "A lower maxRunSeconds shrinks its projected cost (raising it is 400). What it runs and its "
                    + "price per card-hour never change. A patch that changes nothing answers the job unchanged. "
                    + "Audited (`updateJob`).")
    public Uni<JobView> update(@PathParam("jobId") UUID jobId,
            @RequestBody(required = true, content = {
                    @Content(mediaType = MERGE_PATCH, schema = @Schema(implementation = UpdateJob.class)),
                    @Content(mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = UpdateJob.class))}) JsonNode body)
            throws JsonProcessingException {
        MergePatch<UpdateJob> patch = MergePatch.read(body, UpdateJob.class, json);
        return updates.update(callers.get(), jobId, patch.value(), patch.given());
    }

    @POST
    @Path("/{jobId}/hold")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", JOB_NOT_FOUND, JOB_NOT_HOLDABLE")
    @Operation(operationId = "holdJob", summary = "Hold a queued job out of the queue (tenant-admin or tenant-member; "
            + "platform admins: any)",
            description = "As Slurm's scontrol hold: a QUEUED job becomes HELD (reason HELD_BY_TENANT) and is in no "
                    + "queue until released; it keeps its price and still counts against the budget as a queued job "
                    + "does, and it can be cancelled. A job HELD for its dependencies (reason DEPENDENCY) is held by "
                    + "its tenant as well (HELD_BY_TENANT): its dependencies met, it stays HELD until released. Holding "
                    + "a job its tenant holds answers it unchanged; a RUNNING or ended job is 409 JOB_NOT_HOLDABLE. "
                    + "A platform admin holds any tenant's job (support, as Slurm's administrator hold): reason "
                    + "HELD_BY_ADMIN, over the tenant's hold or the dependencies' too; only a platform admin "
                    + "releases it (the tenant: 409 JOB_HELD_BY_ADMIN), and the tenant may still cancel it. The "
                    + "tenant's own hold, made before or while the admin's holds (the answer still says "
                    + "HELD_BY_ADMIN), lies under it: the admin's release leaves the job HELD_BY_TENANT.")
    public Uni<JobView> hold(@PathParam("jobId") UUID jobId) {
        return holds.hold(callers.get(), jobId);
    }

    @POST
    @Path("/{jobId}/release")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = TENANT_CODES + ", JOB_NOT_FOUND, JOB_NOT_HELD, JOB_HELD_BY_ADMIN")
    @Operation(operationId = "releaseJob", summary = "Release a held job into the queue (tenant-admin or "
            + "tenant-member; platform admins: any)", description = "As Slurm's scontrol release: a HELD job is QUEUED again (history "
                    + "reason RELEASED) and its wait counts from now (`eligibleAt`): a hold does not age a job. "
                    + "A job that still waits for its dependencies stays HELD for them (reason DEPENDENCY); one HELD "
                    + "only for them has no hold to release and is answered unchanged, as is a QUEUED job; a RUNNING "
                    + "or ended job is 409 JOB_NOT_HELD. A job a platform admin holds (HELD_BY_ADMIN) only a platform "
                    + "admin releases; the admin's release of a job its tenant holds too leaves it HELD "
                    + "(HELD_BY_TENANT), for the tenant to release. The tenant's release of such a job withdraws its "
                    + "own hold from under the admin's (still HELD_BY_ADMIN; the admin's release then queues it); "
                    + "with none there, 409 JOB_HELD_BY_ADMIN.")
    public Uni<JobView> release(@PathParam("jobId") UUID jobId) {
        return holds.release(callers.get(), jobId);
    }
}
