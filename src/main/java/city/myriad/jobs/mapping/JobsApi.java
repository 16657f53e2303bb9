package city.myriad.jobs.mapping;

import city.myriad.platform.Identified;
import city.myriad.platform.money.Money;
import city.myriad.platform.validation.MaxChars;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The jobs domain's API models: jobs for tenants, assignments and events for the cluster's agents. */
public final class JobsApi {

    private JobsApi() {}

    @Schema(name = "CreateJob", description = "Work to run on one cluster: cards of one model, in a class")
    public record CreateJob(
            @NotNull UUID projectId,
            @NotNull UUID clusterId,
            @NotBlank @MaxChars(128) @Schema(maxLength = 128, examples = "ASCEND-910B") String model,
            @NotNull @DecimalMin(value = "0.001") @DecimalMax("1000000")
            @Schema(description = "Whole cards, or a fraction of one card in thousandths (0.25, 0.5)", examples = "8",
                    minimum = "0.001", maximum = "1000000") BigDecimal cards,
            @NotNull @JsonProperty("class") @Pattern(regexp = "ON_DEMAND|SPOT|RESERVED",
                    message = "ON_DEMAND, SPOT or RESERVED")
            @Schema(name = "class", enumeration = {"ON_DEMAND", "SPOT", "RESERVED"}, examples = "ON_DEMAND")
            String jobClass,
            @Schema(description = "RESERVED: the reservation whose cards the job runs on") UUID reservationId,
            @NotNull @Min(1) @Max(31622400)
            @Schema(description = "The longest the job may run, in seconds: it is stopped (FAILED, TIME_LIMIT) after "
                    + "it; admission prices the job at it", examples = "3600", minimum = "1", maximum = "31622400")
            Integer maxRunSeconds,
            @Schema(description = "Keep a gang inside one block (the same-block premium applies); default false. "
                    + "It waits (reason BLOCK) while no block has its cards free, and fails at once (NEVER_FITS: "
                    + "NO_BLOCK_LARGE_ENOUGH) if no block of its model holds that many cards")
            Boolean sameBlock,
            @Schema(description = "A quote of this tenant for this very shape: the job gets its price") UUID quoteId,
            @Min(0) @Max(MAX_CPU_MILLI)
            @Schema(description = "CPU the whole job needs, in thousandths of a core (16000: 16 cores); a gang's is "
                    + "spread over its nodes in proportion to its cards on each. Left out or 0: none asked, cards "
                    + "only. A job no set of the model's nodes in service could ever carry is refused (409 "
                    + "CAPACITY_UNAVAILABLE)", examples = "64000", minimum = "0", maximum = "1000000000")
            Long cpuMilli,
            @Min(0) @Max(MAX_MEMORY_MIB)
            @Schema(description = "Memory the whole job needs, in MiB, spread like its CPU. Left out or 0: none asked",
                    examples = "524288", minimum = "0", maximum = "1000000000")
            Long memoryMib,
            @Schema(description = "The tenant's own labels: at most 20; a key 1-63 letters, digits or _ . : / -, "
                    + "starting with a letter or digit, not beginning myriad/ (Myriad's own); a value a string of at "
                    + "most 256 characters. Shown in the job's view, matched by listJobs' tag filter, and written into "
                    + "the FOCUS export's Tags column", examples = "{\"team\": \"vision\", \"experiment\": \"llama-ft-3\"}",
                    maxProperties = 20)
            java.util.Map<String, String> tags,
            @MaxChars(128)
            @Schema(description = "The tenant's name for the job, as Slurm's --job-name: 1-128 characters, not blank, "
                    + "not unique (a nightly job may keep one name). Shown in its view and lists, found by listJobs' "
                    + "name filter, and the FOCUS export's ResourceName", maxLength = 128,
                    examples = "llama-ft-3 nightly") String name,
            @Schema(description = "Submit it HELD (as Slurm's --hold): in no queue until releaseJob; priced, "
                    + "checked and counted against the budget now. Default false") Boolean hold,
            @Schema(description = "The earliest it may start (as Slurm's --begin), at most 31 days ahead: until then "
                    + "it waits QUEUED with reason NOT_BEFORE, and its wait in the queue's order counts from then "
                    + "(eligibleAt). Priced and checked now. Left out, or a time past: as soon as it can",
                    examples = "2026-12-06T22:00:00Z") Instant notBefore,
            @Size(max = MAX_DEPENDENCIES)
            @Schema(description = "Jobs of the tenant this one waits for (as Slurm's --dependency), at most 100, each "
                    + "named once: until every one has ended as asked it is HELD with reason DEPENDENCY (in no "
                    + "queue; priced, checked and counted against the budget now), then QUEUED (reason "
                    + "DEPENDENCY_SATISFIED), its wait counted from then. If one ends otherwise it is CANCELLED "
                    + "(DEPENDENCY_NEVER_SATISFIED); one that already has is refused (409 "
                    + "JOB_DEPENDENCY_NEVER_SATISFIED). Jobs on other clusters and projects of the tenant may be named",
                    maxItems = MAX_DEPENDENCIES)
            List<@Valid @NotNull JobDependency> dependsOn,
            @Min(MIN_PRIORITY) @Max(MAX_PRIORITY)
            @Schema(description = PRIORITY_RULE + " Default 0", minimum = "-100", maximum = "100", examples = "10")
            Integer priority,
            @Min(0) @Max(MAX_REQUEUES)
            @Schema(description = "How many times a run the infrastructure ends (its node went down: NODE_DOWN; a "
                    + "card of its was taken out of service: CARD_DOWN; its node's maintenance window began: "
                    + "MAINTENANCE) puts the job back in the queue instead of failing it, as Slurm requeues batch jobs "
                    + "after a node failure: 0 (default: it ends FAILED) to 10. Each such run is credited whole and "
                    + "the job starts again from the beginning (its attempt one more); its budget counts each run. "
                    + "SPOT jobs are requeued always and never count it", minimum = "0", maximum = "10",
                    examples = "3") Integer maxRequeues) {}

    /** The most requeues after infrastructure failures a job may ask. */
    public static final int MAX_REQUEUES = 10;

    /** The most jobs one job array holds. */
    public static final int MAX_ARRAY_SIZE = 1000;

    @Schema(name = "CreateJobArray", description = "A job array (as Slurm's sbatch --array): `size` jobs alike, each "
            + "`job`, bought at once (all or none) and each its own job afterwards, knowing its index")
    public record CreateJobArray(
            @NotNull @Min(1) @Max(MAX_ARRAY_SIZE)
            @Schema(description = "How many jobs, 1 to 1000; indexes 0 to size - 1", minimum = "1", maximum = "1000",
                    examples = "16") Integer size,
            @NotNull @Valid @Schema(description = "What each job of the array is, as createJob takes it, but for "
                    + "quoteId (a quote prices one job)") CreateJob job,
            @Min(1) @Max(MAX_ARRAY_SIZE)
            @Schema(description = "At most this many of its jobs run at once (as Slurm's --array=0-99%10), at most "
                    + "size; the others wait QUEUED with reason ARRAY_LIMIT. Left out: no limit of its own",
                    minimum = "1", maximum = "1000", examples = "4") Integer maxRunning) {}

    @Schema(name = "UpdateJobArray", description = "A JSON merge patch (RFC 7396) of a job array: a field left out "
            + "stays as it is, a field given null is cleared")
    public record UpdateJobArray(
            @Schema(description = "At most this many of its jobs run at once from now on (as Slurm's scontrol update "
                    + "ArrayTaskThrottle), at most its size; null: no limit of its own. Jobs running beyond a lowered "
                    + "limit run on; none more starts until fewer run", nullable = true, minimum = "1",
                    maximum = "1000", examples = "8") Integer maxRunning) {}

    @Schema(name = "CardLimitUse", description = "One card limit and what counts against it now, as the scheduling "
            + "loop's admission counts it")
    public record CardLimitUse(UUID clusterId, @Schema(examples = "ASCEND-910B") String model,
            @JsonProperty("class") @Schema(name = "class", description = "RESERVED, ON_DEMAND or SPOT; absent: a "
                    + "class-less limit, which counts every class's runs and binds ON_DEMAND and RESERVED jobs (SPOT "
                    + "may run beyond it, borrowed)", enumeration = {"RESERVED", "ON_DEMAND", "SPOT"}) String priceClass,
            @Schema(description = "The most cards at once", examples = "16") int limit,
            @Schema(description = "Cards of the running jobs it counts (borrowed runs aside)", examples = "12")
            BigDecimal inUse,
            @Schema(description = "limit - inUse (0 at most: a limit lowered below what runs)", examples = "4")
            BigDecimal free,
            @Schema(description = "Cards of the QUEUED jobs it binds", examples = "8") BigDecimal queued,
            @Schema(description = "How many of those wait because of a card quota (reason QUOTA): listJobs with "
                    + "state=QUEUED&reason=QUOTA lists them", examples = "1") long waitingForQuota,
            @Schema(description = "A class-less limit: cards of SPOT jobs running beyond it on idle capacity "
                    + "(borrowed, reclaimed first); 0 for a limit of one class", examples = "2") BigDecimal borrowed,
            @Schema(description = "A limit on RESERVED work (or class-less): cards its reservations hold now (the "
                    + "tenant's, or the project's); 0 for a limit of another class", examples = "8") int reserved,
            @Schema(description = "The most cards its reservations hold at once from now on: a purchase or an "
                    + "extension may not take the cards held at once in its window past the limit", examples = "12")
            int reservedPeak) {}

    @Schema(name = "QuotaUse", description = "A tenant's or a project's card limits and their use now")
    public record QuotaUseView(UUID tenantId, @Schema(description = "Absent: the tenant's own limits") UUID projectId,
            List<CardLimitUse> cards, @Schema(description = "When it was read") Instant asOf) {}

    @Schema(name = "JobArray", description = "A job array: its jobs by index and how many stand in each state")
    public record JobArrayView(UUID id, UUID projectId, UUID clusterId,
            @Schema(examples = "ASCEND-910B") String model, @Schema(examples = "16") int size,
            @Schema(description = "At most this many of its jobs run at once; null: no limit of its own",
                    examples = "4") Integer maxRunning,
            @Schema(examples = "alice") String submittedBy, Instant createdAt,
            @Schema(description = "Its jobs' ids, by index (0 first)") List<UUID> jobIds,
            @Schema(description = "How many of its jobs are in each state now (states with none left out)",
                    examples = "{\"QUEUED\": 10, \"RUNNING\": 4, \"SUCCEEDED\": 2}")
            java.util.Map<String, Integer> states,
            @Schema(description = "Its jobs' costs summed, as each job's view gives its cost: their runs so far, the "
                    + "current ones included") Money cost,
            @Schema(description = "Its jobs' credits summed (runs interrupted by preemption or a node failure)")
            Money credit,
            @Schema(description = "Its jobs' projected costs summed: the most the array can cost") Money projectedCost)
            implements Identified {}

    /** The range of a job's priority among its tenant's own jobs. */
    public static final int MIN_PRIORITY = -100;
    public static final int MAX_PRIORITY = 100;

    /** What a job's priority does, as createJob, updateJob and the view say it. */
    static final String PRIORITY_RULE = "Its place among the tenant's own jobs waiting on the same cluster and model, "
            + "-100 to 100, higher first (as Slurm's nice or scontrol top within an account): a job of higher priority "
            + "goes ahead of the tenant's jobs of lower priority whatever their size or age, never ahead of another "
            + "tenant's job (fair share and size decide between tenants, and the tenant's jobs behind it wait with "
            + "it). It preempts nothing, and a job waiting over the aging threshold is protected whatever its "
            + "priority.";

    @Schema(name = "UpdateJob", description = "A JSON merge patch (RFC 7396) of a job that has not started yet: "
            + "a field left out stays as it is, a field given null is cleared (maxRunSeconds cannot be). Tags merge "
            + "key by key (a key given null is removed); the tags that result keep createJob's rules")
    public record UpdateJob(
            @Schema(description = "Its new name (1-128 characters, not blank); null: none", maxLength = 128,
                    nullable = true, examples = "llama-ft-3 nightly (retry)") String name,
            @Schema(description = "Tags to set (a string) or remove (null), merged into those it has; null: remove "
                    + "them all", nullable = true, additionalProperties = TagValueOrNull.class,
                    examples = "{\"team\": \"nlp\", \"experiment\": null}")
            java.util.Map<String, String> tags,
            @Schema(description = "Its new earliest start, at most 31 days ahead (its wait in the queue counts from "
                    + "then); null or a time past: as soon as it can, its wait counting from now if it was still to "
                    + "come, unchanged otherwise", nullable = true, examples = "2026-12-07T02:00:00Z")
            Instant notBefore,
            @Schema(description = "A shorter limit (as Slurm lets a user lower a pending job's time limit): its "
                    + "projected cost and GPU-hours shrink with it, its price per card-hour stays. Raising it is "
                    + "refused (400): its budget and quotas were checked for the limit it was submitted with",
                    minimum = "1", maximum = "31622400", examples = "1800")
            Integer maxRunSeconds,
            @Schema(description = "Its dependencies, replaced whole (as a merge patch replaces an array; [] or null: "
                    + "none), with createJob's rules, and none that would close a cycle (a job already waiting for "
                    + "this one, directly or not: 400). A QUEUED job that now waits is HELD (DEPENDENCY); a job HELD "
                    + "only for its dependencies that no longer waits is QUEUED (DEPENDENCY_SATISFIED)",
                    nullable = true, maxItems = MAX_DEPENDENCIES)
            List<JobDependency> dependsOn,
            @Schema(description = PRIORITY_RULE + " The one field a job that has run may change too, while it is "
                    + "QUEUED or HELD (a preempted job requeued). null: back to 0", nullable = true,
                    minimum = "-100", maximum = "100", examples = "50")
            Integer priority,
            @Schema(description = "How many more times a run the infrastructure ends (NODE_DOWN, CARD_DOWN, "
                    + "MAINTENANCE) puts the job back in the queue instead of failing it, 0 to 10: createJob's "
                    + "maxRequeues, for a job submitted without it or one that used some. May change while the job "
                    + "is QUEUED or HELD, after a run too. A SPOT job is requeued always and counts none (400). "
                    + "null: 0", nullable = true, minimum = "0", maximum = "10", examples = "3")
            Integer requeuesLeft) {}

    /** The schema of a tag's value in a patch: a string sets it, null removes the tag. */
    @Schema(name = "TagValueOrNull", type = SchemaType.STRING, nullable = true, maxLength = 256,
            description = "A tag's value (a string of at most 256 characters), or null to remove the tag")
    public static final class TagValueOrNull {
        private TagValueOrNull() {}
    }

    /** The most jobs one job may depend on. */
    public static final int MAX_DEPENDENCIES = 100;

    @Schema(name = "JobDependency", description = "A job of the tenant to wait for, and the end to wait for")
    public record JobDependency(@NotNull UUID jobId,
            @Pattern(regexp = "SUCCEEDED|NOT_SUCCEEDED|ENDED", message = "SUCCEEDED, NOT_SUCCEEDED or ENDED")
            @Schema(description = "SUCCEEDED (the default; Slurm's afterok), NOT_SUCCEEDED (it FAILED or was "
                    + "CANCELLED; afternotok) or ENDED (any of the three; afterany)",
                    enumeration = {"SUCCEEDED", "NOT_SUCCEEDED", "ENDED"}, examples = "SUCCEEDED") String condition) {}

    @Schema(name = "JobDependencyStatus", description = "A job this one waits for, and where that stands")
    public record JobDependencyView(UUID jobId,
            @Schema(enumeration = {"SUCCEEDED", "NOT_SUCCEEDED", "ENDED"}, examples = "SUCCEEDED") String condition,
            @Schema(description = "PENDING (that job has not ended), SATISFIED (it ended as asked) or NEVER_SATISFIED",
                    enumeration = {"PENDING", "SATISFIED", "NEVER_SATISFIED"}, examples = "PENDING") String status) {}

    /** listJobs' query parameters as the request gave them; the service checks them. */
    public record ListJobs(UUID projectId, String state, UUID clusterId, List<String> tag, String submittedBy,
            String name, String from, String to, String order, UUID dependsOn, UUID arrayId, String model,
            String reason, UUID tenantId) {}

    @Schema(name = "CancelJobs", description = "Which of the tenant's live jobs (QUEUED, RUNNING or HELD) to cancel, as "
            + "listJobs filters them: every field given holds, and at least one is given (an empty selector is "
            + "refused rather than read as every job)")
    public record CancelJobs(UUID projectId, UUID clusterId,
            @Pattern(regexp = "QUEUED|RUNNING|HELD", message = "QUEUED, RUNNING or HELD")
            @Schema(description = "Only the jobs in this state (left out: all three)",
                    enumeration = {"QUEUED", "RUNNING", "HELD"})
            String state,
            @Schema(description = "Only the jobs carrying every one of these tags", examples = "{\"team\": \"vision\"}",
                    maxProperties = 20) java.util.Map<String, String> tags,
            @MaxChars(128) @Schema(description = "Only the jobs of this name", maxLength = 128,
                    examples = "llama-ft-3 nightly") String name,
            @MaxChars(255) @Schema(description = "Only the jobs this username submitted", maxLength = 255,
                    examples = "amy") String submittedBy,
            @Schema(description = "Only the jobs submitted at this instant or later") Instant from,
            @Schema(description = "Only the jobs submitted before this instant") Instant to,
            @Size(max = 500) @Schema(description = "Only these jobs (a portal's selection), at most 500; an id of no "
                    + "live job of the tenant is left out of the answer's jobIds; an empty list cancels nothing",
                    maxItems = 500)
            List<UUID> jobIds,
            @Schema(description = "Only the jobs of this job array (createJobArray)") UUID arrayId) {}

    @Schema(name = "CancelledJobs", description = "What one cancelJobs call ended")
    public record CancelledJobs(
            @Schema(description = "How many jobs it cancelled", examples = "3") int cancelled,
            @Schema(description = "Their ids, oldest first (holdJobs: the queued ones, then those that waited for their "
                    + "dependencies)") List<UUID> jobIds,
            @Schema(description = "More jobs matched than one call cancels (500): call again with the same selector")
            boolean more) {}

    @Schema(name = "SelectJobs", description = "Which of the tenant's jobs to hold (its QUEUED ones) or release (its "
            + "HELD ones), as listJobs filters them: every field given holds, and at least one is given (an empty "
            + "selector is refused rather than read as every job)")
    public record SelectJobs(UUID projectId, UUID clusterId,
            @Schema(description = "Only the jobs carrying every one of these tags", examples = "{\"team\": \"vision\"}",
                    maxProperties = 20) java.util.Map<String, String> tags,
            @MaxChars(128) @Schema(description = "Only the jobs of this name", maxLength = 128,
                    examples = "llama-ft-3 nightly") String name,
            @MaxChars(255) @Schema(description = "Only the jobs this username submitted", maxLength = 255,
                    examples = "amy") String submittedBy,
            @Schema(description = "Only the jobs submitted at this instant or later") Instant from,
            @Schema(description = "Only the jobs submitted before this instant") Instant to,
            @Size(max = 500) @Schema(description = "Only these jobs (a portal's selection), at most 500; an id of no "
                    + "job of the tenant in the state changed is left out of the answer's jobIds; an empty list "
                    + "changes nothing", maxItems = 500)
            List<UUID> jobIds,
            @Schema(description = "Only the jobs of this job array (createJobArray)") UUID arrayId) {}

    @Schema(name = "ChangedJobs", description = "What one holdJobs or releaseJobs call changed")
    public record ChangedJobs(
            @Schema(description = "How many jobs it held (holdJobs) or released (releaseJobs)", examples = "3")
            int changed,
            @Schema(description = "Their ids, oldest first") List<UUID> jobIds,
            @Schema(description = "More jobs matched than one call changes (500): call again with the same selector")
            boolean more) {}

    /** The most CPU (thousandths of a core) and memory (MiB) a job may ask: far beyond any cluster's. */
    public static final long MAX_CPU_MILLI = 1_000_000_000L;
    public static final long MAX_MEMORY_MIB = 1_000_000_000L;

    @Schema(name = "NodeCards", description = "The cards a run uses on one node")
    public record NodeCards(@Schema(examples = "hz-n0001") String node,
            @Schema(examples = "[0, 1, 2, 3]") List<Integer> cards) {}

    @Schema(name = "Transition", description = "One change of a job's state")
    public record TransitionView(Instant at, @Schema(examples = "QUEUED") String from,
            @Schema(examples = "RUNNING") String to, @Schema(examples = "SCHEDULED") String reason) {}

    @Schema(name = "Job", description = "A job, where it runs or why it waits, and what it has cost")
    public record JobView(UUID id, UUID tenantId, UUID projectId, UUID clusterId,
            @Schema(examples = "ASCEND-910B") String model, @Schema(examples = "8") BigDecimal cards,
            @Schema(description = "CPU the whole job asked, in thousandths of a core (0: none)", examples = "64000")
            long cpuMilli,
            @Schema(description = "Memory the whole job asked, in MiB (0: none)", examples = "524288") long memoryMib,
            @JsonProperty("class") @Schema(name = "class", enumeration = {"ON_DEMAND", "SPOT", "RESERVED"},
                    examples = "ON_DEMAND") String jobClass,
            UUID reservationId, @Schema(examples = "3600") int maxRunSeconds, boolean sameBlock, UUID quoteId,
            @Schema(enumeration = {"QUEUED", "RUNNING", "PREEMPTED", "SUCCEEDED", "FAILED", "CANCELLED", "HELD"},
                    examples = "RUNNING") String state,
            @Schema(description = "Why it waits (QUEUED: CAPACITY, CARDS_OUT (only cards out of service keep it "
                    + "out: it waits for their repair), MAINTENANCE, QUOTA, RESERVATION_NOT_STARTED, "
                    + "RESERVATION_FULL, BLOCK, TENANT_SUSPENDED, NOT_BEFORE, ARRAY_LIMIT; HELD: HELD_BY_TENANT, "
                    + "HELD_BY_ADMIN, DEPENDENCY) or why it ended (COMPLETED, TIME_LIMIT, NODE_DOWN, CARD_DOWN, "
                    + "MAINTENANCE, CANCELLED_BY_TENANT, CANCELLED_BY_ADMIN, RESERVATION_ENDED, ...)",
                    examples = "CAPACITY") String reason,
            @Schema(description = "The run number: 1 for the first run, one more after each requeue", examples = "1")
            int attempt,
            @Schema(description = "Where the current (or last) run is") List<NodeCards> placement,
            @Schema(description = "Of a fraction of one card: the share taken, in thousandths", examples = "500")
            Integer shareMilli,
            @Schema(description = "QUEUED: jobs of the same cluster and model still waiting ahead of it in the "
                    + "scheduler's order (the 9 oldest of those waiting over 6.25 hours, or over the time the "
                    + "cluster's queue would take to drain on its cards when that is longer, up to 18 hours, first, "
                    + "oldest first; then "
                    + "every other job smallest cards x maxRunSeconds first, a job's size counting half for every "
                    + "1.75 hours it has waited, each tenant's jobs by their priority first and so none before a job "
                    + "of its tenant ahead of it), plus one",
                    examples = "3") Long queuePosition,
            @Schema(description = "QUEUED: when it should start, from the declared ends of the running jobs, no "
                    + "earlier than the card quotas that bind it have room (docs/market.md); null while only cards out "
                    + "of service keep it out (reason CARDS_OUT): that is the repair's to say") Instant estimatedStartAt,
            @Schema(description = "Per card-hour, as sold (RESERVED: 0, the reservation is paid)") Money unitPrice,
            @Schema(description = "Charges of its runs so far, the current one included") Money cost,
            @Schema(description = "Credited for runs interrupted by preemption or a node failure") Money credit,
            @Schema(description = "The most it can cost: unitPrice x cards x maxRunSeconds") Money projectedCost,
            @Schema(description = "A SPOT job running beyond its tenant's card quota on idle capacity") boolean borrowed,
            Instant startedAt, Instant endedAt, @Schema(examples = "alice") String submittedBy, Instant createdAt,
            @Schema(description = "When it last became eligible to start: its submission, or its last release from a "
                    + "hold (releaseJob). The queue counts its wait from here") Instant eligibleAt,
            @Schema(description = "The tenant's labels, as submitted ({} for none)",
                    examples = "{\"team\": \"vision\", \"experiment\": \"llama-ft-3\"}")
            java.util.Map<String, String> tags,
            @Schema(description = "The tenant's name for it; null for none", examples = "llama-ft-3 nightly")
            String name,
            @Schema(description = "Its place among the tenant's own waiting jobs, -100 to 100, higher first (0: "
                    + "normal; createJob says what it does)", examples = "0") int priority,
            @Schema(description = "The job array it was submitted in (createJobArray); null for a job submitted "
                    + "alone") UUID arrayId,
            @Schema(description = "Its index in that array, 0 first (as Slurm's SLURM_ARRAY_TASK_ID); null for a job "
                    + "submitted alone", examples = "3") Integer arrayIndex,
            @Schema(description = "How many more times a run the infrastructure ends requeues it instead of failing "
                    + "it: createJob's maxRequeues, less one for each such requeue so far (0 for SPOT jobs, which are "
                    + "requeued always)", examples = "2") int requeuesLeft,
            @Schema(description = "Whether its tenant holds it (holdJob): HELD_BY_TENANT, or held by the tenant under a "
                    + "platform admin's hold (reason HELD_BY_ADMIN), which the admin's release leaves HELD_BY_TENANT "
                    + "until the tenant releases it too; false for every other job", examples = "false")
            boolean heldByTenant,
            @Schema(description = "The jobs it waits for (createJob's dependsOn) and where each stands; [] for none. "
                    + "Left out of lists, as the history is (getJob has it)")
            List<JobDependencyView> dependsOn,
            List<TransitionView> history,
            @Schema(description = "The version of its cluster's price book its unitPrice comes from (getPriceBookVersion "
                    + "says what that book priced and when it held); null for RESERVED (the reservation is paid)",
                    examples = "3") Integer priceBookVersion) implements Identified {}

    @Schema(name = "ClusterQueue", description = "A cluster's demand and use per card model, across tenants (counts "
            + "only): what runs, what waits and why, and how long its cards would take to run the queue")
    public record ClusterQueueView(UUID clusterId, @Schema(description = "When it was read") Instant at,
            List<ModelQueueView> models) {}

    @Schema(name = "ModelQueue")
    public record ModelQueueView(@Schema(examples = "ASCEND-910B") String model,
            @Schema(description = "Cards on nodes not down (AVAILABLE or DRAINING)", examples = "10000")
            long cardsInService,
            @Schema(examples = "1250") long runningJobs,
            @Schema(description = "Cards the running jobs hold", examples = "9992") BigDecimal cardsInUse,
            @Schema(examples = "250") long queuedJobs,
            @Schema(description = "Cards the queued jobs ask", examples = "2000") BigDecimal queuedCards,
            @Schema(description = "Card-hours the queued jobs may run (cards x maxRunSeconds)", examples = "5208.33")
            BigDecimal queuedCardHours,
            @Schema(description = "When the job waiting longest began to wait (its submission, or its release from a "
                    + "hold); null with nothing queued") Instant oldestQueuedAt,
            @Schema(description = "Seconds the cards in service would take to run the queued card-hours one after "
                    + "another, nothing else running (the drain time the scheduler ages jobs by); null with no cards "
                    + "in service", examples = "1875") Long drainSeconds,
            @Schema(description = "Queued jobs by why they wait (CAPACITY, MAINTENANCE, QUOTA, BLOCK, RESERVATION_NOT_STARTED, "
                    + "RESERVATION_FULL, TENANT_SUSPENDED, ...)", examples = "{\"CAPACITY\": 248, \"QUOTA\": 2}")
            java.util.Map<String, Long> queuedByReason,
            @Schema(description = "Jobs held out of the queue (HELD), by their tenants or waiting for other jobs to "
                    + "end (reason DEPENDENCY): demand that may come back at any time, in no figure above",
                    examples = "12") long heldJobs,
            @Schema(description = "Cards the held jobs ask", examples = "96") BigDecimal heldCards,
            @Schema(description = "The same by class") List<ClassQueueView> classes) {}

    @Schema(name = "ClassQueue")
    public record ClassQueueView(
            @JsonProperty("class") @Schema(name = "class", enumeration = {"ON_DEMAND", "SPOT", "RESERVED"},
                    examples = "ON_DEMAND") String jobClass,
            @Schema(examples = "1000") long runningJobs, @Schema(examples = "8000") BigDecimal cardsInUse,
            @Schema(examples = "250") long queuedJobs, @Schema(examples = "2000") BigDecimal queuedCards) {}

    @Schema(name = "Assignment", description = "What the cluster's agents must do: START a run or STOP it")
    public record AssignmentView(@Schema(examples = "42") long seq, UUID jobId, @Schema(examples = "1") int attempt,
            @Schema(enumeration = {"START", "STOP"}, examples = "START") String action,
            List<NodeCards> placement, @Schema(examples = "1000") Integer shareMilli,
            @Schema(examples = "8") BigDecimal cards, @Schema(examples = "3600") int maxRunSeconds,
            @Schema(examples = "PREEMPTED") String reason, Instant createdAt,
            @Schema(description = "CPU the whole job asked, in thousandths of a core (0: none): on each node its share "
                    + "in proportion to its cards there, rounded up", examples = "64000") long cpuMilli,
            @Schema(description = "Memory the whole job asked, in MiB (0: none), shared out like its CPU",
                    examples = "524288") long memoryMib,
            @Schema(description = "The job array the job belongs to (createJobArray); null for a job submitted alone")
            UUID arrayId,
            @Schema(description = "Its index in that array, 0 first: what the run reads to pick its share of the "
                    + "array's work (as Slurm's SLURM_ARRAY_TASK_ID); null for a job submitted alone",
                    examples = "3") Integer arrayIndex) {}

    @Schema(name = "ClusterEvent", description = "What an agent saw: a run started, ended or was stopped; a node's "
            + "state")
    public record ClusterEvent(
            @NotBlank @MaxChars(128) @Schema(description = "Unique per cluster: a retried event is applied once",
                    maxLength = 128, examples = "agent-7:000123") String eventId,
            @NotNull @Pattern(regexp = "JOB_STARTED|JOB_SUCCEEDED|JOB_FAILED|JOB_STOPPED|NODE_UP|NODE_DRAINING|NODE_DOWN"
                    + "|CARD_DOWN|CARD_UP", message = "JOB_STARTED, JOB_SUCCEEDED, JOB_FAILED, JOB_STOPPED, NODE_UP, "
                    + "NODE_DRAINING, NODE_DOWN, CARD_DOWN or CARD_UP")
            @Schema(enumeration = {"JOB_STARTED", "JOB_SUCCEEDED", "JOB_FAILED", "JOB_STOPPED", "NODE_UP",
                    "NODE_DRAINING", "NODE_DOWN", "CARD_DOWN", "CARD_UP"}, examples = "JOB_SUCCEEDED",
                    description = "CARD_DOWN: one card of the node failed (out of service, its node working on; "
                            + "`detail` says why); CARD_UP: back in service") String type,
            @Schema(description = "JOB_*: the job") UUID jobId,
            @Min(1) @Schema(description = "JOB_*: the run (attempt) of the assignment", examples = "1") Integer attempt,
            @MaxChars(128) @Schema(description = "NODE_*, CARD_*: the node", maxLength = 128, examples = "hz-n0001")
            String node,
            @Schema(description = "When it happened at the agent; default: when received") Instant at,
            @MaxChars(1000) @Schema(description = "Free text, e.g. an exit code", maxLength = 1000) String detail,
            @jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(1023)
            @Schema(description = "CARD_*: the card's index on the node, from 0", examples = "3") Integer card) {}

    @Schema(name = "ClusterEvents", description = "A batch of events, applied in order")
    public record ClusterEvents(@NotNull @NotEmpty @Size(max = 1000) List<@Valid @NotNull ClusterEvent> events) {}

    @Schema(name = "EventResult", description = "What became of one event")
    public record EventResult(@Schema(examples = "agent-7:000123") String eventId,
            @Schema(description = "APPLIED; DUPLICATE (seen before: nothing done again); STALE (the job's run had "
                    + "already ended or moved on); UNKNOWN_JOB (no such job on this cluster: nothing done)",
                    enumeration = {"APPLIED", "DUPLICATE", "STALE", "UNKNOWN_JOB"},
                    examples = "APPLIED") String outcome) {}

    @Schema(name = "EventResults", description = "One result per event, in order")
    public record EventResults(List<EventResult> results) {}
}
