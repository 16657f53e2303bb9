package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi;
import city.myriad.jobs.mapping.JobsApi.JobDependency;
import city.myriad.jobs.mapping.JobsApi.JobDependencyView;
import city.myriad.jobs.mapping.JobsApi.JobView;
import city.myriad.jobs.mapping.JobsApi.UpdateJob;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.JobTags;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.ClusterFeedRepository;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.market.service.JobPricing;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Charges;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Changing a job before it starts, as Slurm's {@code scontrol update} of a pending job: its name, its tags, its
 * {@code notBefore}, a lower {@code maxRunSeconds}, its dependencies, its priority among the tenant's jobs and its
 * requeues left after infrastructure failures, by a JSON merge patch ({@code updateJob}).
 * Dependencies are replaced whole, checked as at submission and never so as to close a cycle
 * ({@link JobDependencies#replace}); the job is then held or queued as they say ({@link JobRuns#dependenciesReplaced}).
 *
 * <p>Rules: only a job that has never run (QUEUED or HELD at attempt 0) can be changed, else 409
 * {@code JOB_NOT_UPDATABLE}: the FOCUS export labels a job's usage with its current name and tags, so labels are
 * fixed once something was metered under them. Its priority and its requeues left may change while it waits after a
 * run too (a preempted job requeued), as nothing is labelled with them; a SPOT job counts no requeues (400). What it
 * runs, where and at what price per card-hour never changes; its time limit may only come down (its budget and
 * quotas were checked for the one it was submitted with), and its projected cost and GPU-hours come down with it.
 * A RESERVED job moved to start later must still end within its reservation's window (400 naming {@code notBefore},
 * as at submission).
 * A notBefore moved later makes the job wait for it (QUEUED: reason {@code NOT_BEFORE}) and its wait count from it;
 * one cleared (or past) makes a job still waiting for its notBefore eligible now, and leaves a job already eligible
 * as it was, so a patch never ages a job. A patch that changes nothing writes nothing and answers the job as it is
 * (a retry is safe). Each change is one transaction on the locked row, with the scheduling loop's inbox entry
 * ({@code UPDATED}, when a queued job's eligible time moved) and its audit event ({@code updateJob}).
 */
@ApplicationScoped
public class JobUpdates {

    private static final int NAME_CHARS = 128;

    private final TenantProjects projects;
    private final Scoped scoped;
    private final JobRepository jobs;
    private final ClusterFeedRepository feed;
    private final AuditTrail audit;
    private final SchedulingLoops loops;
    private final JobService views;
    private final JobPricing pricing;
    private final JobDependencies dependencies;
    private final JobRuns runs;
    private final Clock clock;

    JobUpdates(TenantProjects projects, Scoped scoped, JobRepository jobs, ClusterFeedRepository feed,
            AuditTrail audit, SchedulingLoops loops, JobService views, JobPricing pricing,
            JobDependencies dependencies, JobRuns runs, Clock clock) {
        this.dependencies = dependencies;
        this.runs = runs;
        this.pricing = pricing;
        this.projects = projects;
        this.scoped = scoped;
        this.jobs = jobs;
        this.feed = feed;
        this.audit = audit;
        this.loops = loops;
        this.views = views;
        this.clock = clock;
    }

    /** Applies {@code patch}, whose fields named in {@code given} were sent (null in it: cleared). */
    public Uni<JobView> update(Caller caller, UUID id, UpdateJob patch, Set<String> given) {
        Instant now = clock.instant();
        checkAlone(patch, given, now);
        return projects.runningTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> jobs.find(tenant, id)
                        .chain(found -> jobs.lock(found.orElseThrow(() -> JobService.notFound(id)).id()))
                        .chain(locked -> {
                            JobRow j = locked.orElseThrow(() -> JobService.notFound(id));
                            boolean waiting = j.state() == JobState.QUEUED || j.state() == JobState.HELD;
                            if (!waiting || (j.attempt() > 0 && !AFTER_A_RUN.containsAll(given))) {
                                throw new MyriadProblem.Conflict(ProblemCode.JOB_NOT_UPDATABLE, "Job " + id + " is "
                                        + j.state() + (j.state().live() && j.attempt() > 0 ? " after " + j.attempt()
                                        + " run(s)" : "") + (waiting ? "; only its priority and requeuesLeft can be "
                                        + "changed once it has run" : "; only a job that has never started can be "
                                        + "changed"));
                            }
                            JobRow after = applied(j, patch, given, now);
                            List<JobDependencies.Asked> asked = given.contains("dependsOn")
                                    ? JobDependencies.asked(patch.dependsOn()) : null;
                            return dependencies.of(id).chain(before -> {
                                boolean redepend = asked != null && !sameDependencies(before, asked);
                                if (!redepend && Objects.equals(after.name(), j.name()) && !retagged(j, after)
                                        && after.eligibleAt().equals(j.eligibleAt())
                                        && after.maxRunSeconds() == j.maxRunSeconds()
                                        && after.priority() == j.priority()
                                        && after.requeuesLeft() == j.requeuesLeft()
                                        && Objects.equals(after.reason(), j.reason())) {
                                    return Uni.createFrom().<UUID>nullItem();  // nothing to change
                                }
                                Map<String, Object> changes = changes(j, after);
                                if (redepend) {
                                    changes.put("dependsOn", Map.of("from", edges(before), "to", asked.stream()
                                            .map(a -> a.jobId() + " " + a.condition()).toList()));
                                }
                                return written(caller, tenant, j, after, given, redepend ? asked : null, changes,
                                        now);
                            });
                        }))
                .invoke(cluster -> {
                    if (cluster != null) {
                        loops.wake(cluster);
                    }
                })
                .chain(() -> views.get(caller, id)));
    }

    /**
     * Writes the changed job with its audit event; a queued job whose eligible time, time limit, priority (what the
     * core orders it by) or requeues left changed is re-read by its cluster's loop. With {@code asked} (not null),
     * its dependencies are replaced and the job held or queued as they now say
     * ({@link JobRuns#dependenciesReplaced}). Answers the job's cluster.
     */
    private Uni<UUID> written(Caller caller, UUID tenant, JobRow before, JobRow after, Set<String> given,
            List<JobDependencies.Asked> asked, Map<String, Object> changes, Instant now) {
        // What the loop keeps of a queued job: what the core orders it by, and its requeues left (which decide, when
        // the infrastructure ends its run, whether it is requeued or FAILED).
        boolean reread = !after.eligibleAt().equals(before.eligibleAt())
                || after.maxRunSeconds() != before.maxRunSeconds() || after.priority() != before.priority()
                || after.requeuesLeft() != before.requeuesLeft();
        return fitsItsReservation(tenant, after, given).chain(() -> jobs.patch(after, before.state())).chain(done -> {
            if (!done) {  // the row is locked: only a bug gets here
                throw new IllegalStateException("job " + before.id() + " moved while locked");
            }
            Uni<Void> redepended = asked == null ? Uni.createFrom().voidItem()
                    : dependencies.replace(after, asked).chain(checked -> runs.dependenciesReplaced(after,
                            checked.pending(), now)).replaceWithVoid();
            Uni<Void> tell = reread && before.state() == JobState.QUEUED
                    ? feed.notify(before.clusterId(), before.id(), "UPDATED", now) : Uni.createFrom().voidItem();
            return redepended.chain(() -> tell).chain(() -> audit.record(caller, tenant, "updateJob",
                    Target.of("JOB", before.id()), changes)).replaceWith(before.clusterId());
        });
    }

    /** Whether the job's dependencies now are those asked, in the same order with the same conditions. */
    private static boolean sameDependencies(List<JobDependencyView> now, List<JobDependencies.Asked> asked) {
        return edges(now).equals(asked.stream().map(a -> a.jobId() + " " + a.condition()).toList());
    }

    private static List<String> edges(List<JobDependencyView> dependencies) {
        return dependencies.stream().map(d -> d.jobId() + " " + d.condition()).toList();
    }

    /**
     * 400 naming {@code notBefore} if a RESERVED job moved to start later would no longer end within its reservation's
     * window (from the later of the window's start and its eligible time), as createJob refuses it.
     */
    private Uni<Void> fitsItsReservation(UUID tenant, JobRow after, Set<String> given) {
        if (after.reservationId() == null || !given.contains("notBefore")) {
            return Uni.createFrom().voidItem();  // a shorter limit only ever fits better
        }
        return pricing.reservation(tenant, after.reservationId()).invoke(r -> {
            Instant earliest = after.eligibleAt().isAfter(r.startAt()) ? after.eligibleAt() : r.startAt();
            if (earliest.plusSeconds(after.maxRunSeconds()).isAfter(r.endAt())) {
                throw JobService.invalid("notBefore", "it would not end within its reservation's window (it ends "
                        + "at " + r.endAt() + ")");
            }
        }).replaceWithVoid();
    }

    /**
     * What a job that has run may still change while it waits: its priority and its requeues left, which label none
     * of its usage.
     */
    private static final Set<String> AFTER_A_RUN = Set.of("priority", "requeuesLeft");

    /**
     * 400 for what is wrong whatever the job: a blank or long name, a notBefore too far ahead, a limit cleared, a
     * priority out of range.
     */
    private static void checkAlone(UpdateJob patch, Set<String> given, Instant now) {
        if (given.contains("requeuesLeft") && patch.requeuesLeft() != null
                && (patch.requeuesLeft() < 0 || patch.requeuesLeft() > JobsApi.MAX_REQUEUES)) {
            throw JobService.invalid("requeuesLeft", "0 to " + JobsApi.MAX_REQUEUES + " (it was "
                    + patch.requeuesLeft() + "); null for 0");
        }
        if (given.contains("priority") && patch.priority() != null
                && (patch.priority() < JobsApi.MIN_PRIORITY || patch.priority() > JobsApi.MAX_PRIORITY)) {
            throw JobService.invalid("priority", JobsApi.MIN_PRIORITY + " to " + JobsApi.MAX_PRIORITY + " (it was "
                    + patch.priority() + "); null for 0");
        }
        if (given.contains("name") && patch.name() != null
                && (patch.name().isBlank() || patch.name().codePointCount(0, patch.name().length()) > NAME_CHARS)) {
            throw JobService.invalid("name", "1 to " + NAME_CHARS + " characters, not blank (null for none)");
        }
        if (given.contains("notBefore") && patch.notBefore() != null
                && patch.notBefore().isAfter(now.plus(JobService.NOT_BEFORE_AHEAD))) {
            throw JobService.invalid("notBefore", "at most 31 days ahead (it was " + patch.notBefore() + ")");
        }
        if (given.contains("maxRunSeconds") && (patch.maxRunSeconds() == null || patch.maxRunSeconds() < 1)) {
            throw JobService.invalid("maxRunSeconds", "a whole number of seconds, at least 1; it cannot be cleared");
        }
        List<JobDependency> deps = patch.dependsOn();
        if (given.contains("dependsOn") && deps != null) {
            if (deps.size() > JobsApi.MAX_DEPENDENCIES) {
                throw JobService.invalid("dependsOn", "at most " + JobsApi.MAX_DEPENDENCIES + " jobs");
            }
            for (int i = 0; i < deps.size(); i++) {
                JobDependency d = deps.get(i);
                if (d == null || d.jobId() == null) {
                    throw JobService.invalid("dependsOn[" + i + "].jobId", "required: the job to wait for");
                }
                if (d.condition() != null && !CONDITIONS.contains(d.condition())) {
                    throw JobService.invalid("dependsOn[" + i + "].condition", "SUCCEEDED, NOT_SUCCEEDED or ENDED");
                }
            }
        }
    }

    private static final Set<String> CONDITIONS = Set.of("SUCCEEDED", "NOT_SUCCEEDED", "ENDED");

    /**
     * {@code j} with the patch applied; 400 if the tags that result break {@link JobTags}' rules, or if the patch
     * raises the time limit.
     */
    static JobRow applied(JobRow j, UpdateJob patch, Set<String> given, Instant now) {
        int maxRun = j.maxRunSeconds();
        long projected = j.projectedMinor();
        if (given.contains("maxRunSeconds") && patch.maxRunSeconds() != maxRun) {
            if (patch.maxRunSeconds() > maxRun) {
                throw JobService.invalid("maxRunSeconds", "it can only be lowered (it is " + maxRun + "): the budget "
                        + "and quotas were checked for that; submit a new job for longer");
            }
            maxRun = patch.maxRunSeconds();
            projected = Charges.of(j.unitPriceMinor(), j.cardsMilli(), Duration.ofSeconds(maxRun));
        }
        String name = given.contains("name") ? patch.name() : j.name();
        String tags = j.tags();
        if (given.contains("tags")) {
            tags = patch.tags() == null ? null : JobTags.json(merged(JobTags.read(j.tags()), patch.tags()));
        }
        Instant eligible = j.eligibleAt();
        if (given.contains("notBefore")) {
            Instant asked = patch.notBefore();
            if (asked != null && asked.isAfter(now)) {
                eligible = asked;
            } else if (eligible.isAfter(now)) {
                eligible = now;  // its notBefore was still to come: eligible from now, not from the past
            }
        }
        String reason = j.reason();
        if (j.state() == JobState.QUEUED) {
            if (eligible.isAfter(now)) {
                reason = Reasons.NOT_BEFORE;
            } else if (Reasons.NOT_BEFORE.equals(reason)) {
                reason = Reasons.CAPACITY;  // the loop says why it waits at its next cycle
            }
        }
        int priority = !given.contains("priority") ? j.priority() : patch.priority() == null ? 0 : patch.priority();
        int requeues = j.requeuesLeft();
        if (given.contains("requeuesLeft")) {
            requeues = patch.requeuesLeft() == null ? 0 : patch.requeuesLeft();
            if (requeues > 0 && j.jobClass().preemptible()) {
                throw JobService.invalid("requeuesLeft", "a " + j.jobClass() + " job is requeued after every "
                        + "preemption and infrastructure failure already; it counts no requeues");
            }
        }
        return j.updated(name, tags, eligible, maxRun, projected, reason, priority, requeues, now);
    }

    /** RFC 7396 on a map of strings: a key given a string is set, one given null removed; the result checked. */
    private static Map<String, String> merged(Map<String, String> current, Map<String, String> patch) {
        Map<String, String> out = new TreeMap<>(current);
        Map<String, String> set = new LinkedHashMap<>();
        patch.forEach((key, value) -> {
            if (value == null) {
                out.remove(key);
            } else {
                out.put(key, value);
                set.put(key, value);
            }
        });
        // The keys set are checked on their own (a key removed is gone whatever it was), then the count of the whole.
        JobService.tagged(set);
        if (out.size() > JobTags.MOST) {
            throw JobService.invalid("tags", "at most " + JobTags.MOST + " tags, " + out.size() + " with this change");
        }
        return out;
    }

    /** Whether the tags differ (compared as maps: the stored text is jsonb's, the new one Jackson's). */
    private static boolean retagged(JobRow before, JobRow after) {
        return !JobTags.read(before.tags()).equals(JobTags.read(after.tags()));
    }

    /** The audit event's details: each field of the row changed, before and after. */
    private static Map<String, Object> changes(JobRow before, JobRow after) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("previousState", before.state().name());
        if (!Objects.equals(before.name(), after.name())) {
            out.put("name", Map.of("from", String.valueOf(before.name()), "to", String.valueOf(after.name())));
        }
        if (retagged(before, after)) {
            out.put("tags", Map.of("from", JobTags.read(before.tags()), "to", JobTags.read(after.tags())));
        }
        if (before.maxRunSeconds() != after.maxRunSeconds()) {
            out.put("maxRunSeconds", Map.of("from", before.maxRunSeconds(), "to", after.maxRunSeconds()));
        }
        if (before.priority() != after.priority()) {
            out.put("priority", Map.of("from", before.priority(), "to", after.priority()));
        }
        if (before.requeuesLeft() != after.requeuesLeft()) {
            out.put("requeuesLeft", Map.of("from", before.requeuesLeft(), "to", after.requeuesLeft()));
        }
        if (!before.eligibleAt().equals(after.eligibleAt())) {
            out.put("eligibleAt", Map.of("from", before.eligibleAt().toString(), "to", after.eligibleAt().toString()));
        }
        return out;
    }
}
