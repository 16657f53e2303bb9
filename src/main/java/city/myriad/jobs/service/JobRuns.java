package city.myriad.jobs.service;

import city.myriad.platform.money.Charges;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.model.DependencyCondition;
import city.myriad.jobs.repository.ClusterFeedRepository;
import city.myriad.jobs.repository.JobDependencyRepository;
import city.myriad.jobs.repository.JobDependencyRepository.Dependency;
import city.myriad.jobs.repository.JobRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Every transition of a job, written the one way: the job row changes only if it is still in the state (and run)
 * the writer read, and in the same transaction the history gains the transition, a closed run gains its
 * segment (charge and credit), the agents gain their assignment and the scheduling loop its notice. Whoever
 * writes (the tenant's API, the agents' events, the loop) goes through here, in the caller's transaction.
 * Each method completes with the job as written, or null when another writer moved the job first: then
 * nothing was written.
 *
 * <p>A job that ends settles the jobs that depend on it (createJob's {@code dependsOn}) in the same transaction: each
 * HELD dependent whose dependencies are now all met is QUEUED ({@code DEPENDENCY_SATISFIED}) unless its tenant holds
 * it too, and one whose dependency can no longer be met is CANCELLED ({@code DEPENDENCY_NEVER_SATISFIED}), which
 * settles its own dependents in turn.
 */
@ApplicationScoped
public class JobRuns {

    static final String START = "START";
    static final String STOP = "STOP";

    private final JobRepository jobs;
    private final ClusterFeedRepository feed;
    private final JobDependencyRepository dependencies;

    JobRuns(JobRepository jobs, ClusterFeedRepository feed, JobDependencyRepository dependencies) {
        this.jobs = jobs;
        this.feed = feed;
        this.dependencies = dependencies;
    }

    /**
     * QUEUED → RUNNING for many jobs at once (a cycle may start thousands): {@code batch} is a JSON array of
     * {@code {"id", "attempt", "placement", "borrowed", "eligibleAt"}}; each job still QUEUED at that attempt and
     * eligible time runs at attempt + 1 with its history row and its START assignment, in one statement. Returns the
     * ids started.
     */
    public Uni<java.util.List<java.util.UUID>> startAll(String batch, Instant at) {
        return jobs.startAll(batch, at);
    }

    /**
     * QUEUED → HELD, {@code why} {@code HELD_BY_TENANT} (a tenant's hold) or {@code DEPENDENCY} (jobs it depends on
     * have not ended): out of the loop's queue until released. The held row, or null if another writer moved the job
     * first (then nothing was written).
     */
    public Uni<JobRow> hold(JobRow queued, String why, Instant at) {
        JobRow held = queued.withState(JobState.HELD, why, at);
        return moved(queued, held, at, why, "HELD");
    }

    /**
     * A job's dependencies were replaced (updateJob) and {@code pending} says whether one is still to end: a QUEUED
     * job that now waits is HELD ({@code DEPENDENCY}); a job HELD only for its dependencies that no longer waits is
     * QUEUED ({@code DEPENDENCY_SATISFIED}), eligible from {@code at} or its notBefore; any other job is as it was (a
     * job its tenant holds waits for its release, which looks at its dependencies then). The row as it is after, or
     * null if another writer moved the job first.
     */
    public Uni<JobRow> dependenciesReplaced(JobRow j, boolean pending, Instant at) {
        if (j.state() == JobState.QUEUED && pending) {
            return hold(j, Reasons.DEPENDENCY, at);
        }
        if (j.state() == JobState.HELD && Reasons.DEPENDENCY.equals(j.reason()) && !pending) {
            return moved(j, j.released(at), at, Reasons.DEPENDENCY_SATISFIED, "RELEASED");
        }
        return Uni.createFrom().item(j);
    }

    /**
     * The tenant holds a job already HELD for its dependencies: it stays HELD, now {@code HELD_BY_TENANT}, so that its
     * dependencies met do not queue it (a HELD → HELD transition). As {@link #hold}.
     */
    public Uni<JobRow> holdWaiting(JobRow waiting, Instant at) {
        return holdWaiting(waiting, Reasons.HELD_BY_TENANT, at);
    }

    /** A job already HELD is held now for {@code why} (a platform admin's hold over its tenant's or its dependencies'). */
    public Uni<JobRow> holdWaiting(JobRow waiting, String why, Instant at) {
        return reasonOf(waiting, why, at);
    }

    /**
     * The tenant releases its hold: HELD → QUEUED ({@code RELEASED}), eligible from {@code at}, and the loop queues it
     * again; or, while jobs it depends on have not ended, it stays HELD for them ({@code DEPENDENCY}). As
     * {@link #hold}.
     */
    public Uni<JobRow> release(JobRow held, Instant at) {
        return dependencies.of(held.id()).chain(all -> pending(all)
                ? reasonOf(held, Reasons.DEPENDENCY, at)
                : moved(held, held.released(at), at, Reasons.RELEASED, "RELEASED"));
    }

    private static boolean pending(List<Dependency> all) {
        return DependencyCondition.all(all.stream().map(Dependency::status).toList())
                == DependencyCondition.Status.PENDING;
    }

    /**
     * A HELD job held now for another reason (an admin's hold over its tenant's, the tenant's over its dependencies',
     * a release while its dependencies wait): the state stays, and the history gains a HELD → HELD transition with
     * the new reason, so a job's history says why it waited all along, and a webhook naming {@code job.held} hears
     * who holds it now (its tenant learns that support held its job). The loop hears nothing: its queue is unchanged.
     */
    private Uni<JobRow> reasonOf(JobRow held, String why, Instant at) {
        JobRow after = held.run(held.state(), why, held.attempt(), held.placement(), held.startedAt(),
                held.endedAt(), held.chargedMinor(), held.creditedMinor(), held.borrowed(), at);
        return jobs.update(after, held.state(), held.attempt()).call(done -> !done ? Uni.createFrom().voidItem()
                        : jobs.transition(held.id(), held.tenantId(), at, held.state(), after.state(), why))
                .map(done -> done ? after : null);
    }

    private Uni<JobRow> moved(JobRow before, JobRow after, Instant at, String reason, String inboxKind) {
        return jobs.update(after, before.state(), before.attempt()).call(done -> !done ? Uni.createFrom().voidItem()
                        : jobs.transition(before.id(), before.tenantId(), at, before.state(), after.state(), reason)
                                .chain(() -> feed.notify(before.clusterId(), before.id(), inboxKind, at)))
                .map(done -> done ? after : null);
    }

    /**
     * A QUEUED job leaves the queue for good (CANCELLED by its tenant, or FAILED because the cluster can never run
     * it). {@code tellLoop}: the loop did not make this change and must hear of it.
     */
    public Uni<JobRow> endQueued(JobRow queued, JobState to, String reason, Instant at, boolean tellLoop) {
        JobRow ended = ended(queued.withState(to, reason, at), at, 0, 0);
        return jobs.update(ended, queued.state(), queued.attempt()).call(done -> !done ? Uni.createFrom().voidItem()
                : dependencies.endedTransition(queued.id(), queued.tenantId(), at, queued.state(), to, reason)
                        .call(dependents -> tellLoop ? feed.notify(queued.clusterId(), queued.id(), "ENDED", at)
                                : Uni.createFrom().voidItem())
                        .chain(dependents -> settle(dependents, at)))
                .map(done -> done ? ended : null);
    }

    /**
     * The jobs that depend on one that just ended, each locked in turn (in id order): queued if all it waits for is
     * met and its tenant does not hold it, cancelled if something it waits for can no longer be met.
     */
    private Uni<Void> settle(List<UUID> dependents, Instant at) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (UUID id : dependents) {
            all = all.chain(() -> jobs.lock(id)).chain(locked -> {
                JobRow j = locked.orElse(null);
                if (j == null || j.state() != JobState.HELD) {
                    return Uni.createFrom().voidItem();  // cancelled meanwhile, or queued by an earlier end
                }
                return dependencies.of(id).chain(deps -> {
                    DependencyCondition.Status status =
                            DependencyCondition.all(deps.stream().map(Dependency::status).toList());
                    if (status == DependencyCondition.Status.NEVER_SATISFIED) {
                        return endQueued(j, JobState.CANCELLED, Reasons.DEPENDENCY_NEVER_SATISFIED, at, false)
                                .replaceWithVoid();
                    }
                    if (status == DependencyCondition.Status.SATISFIED && Reasons.DEPENDENCY.equals(j.reason())) {
                        return moved(j, j.released(at), at, Reasons.DEPENDENCY_SATISFIED, "RELEASED")
                                .replaceWithVoid();
                    }
                    return Uni.createFrom().voidItem();  // still waiting, or held by its tenant as well
                });
            });
        }
        return all;
    }

    /** How a run ends: the job's next state, the reason, and who must act on it. */
    public record RunEnd(JobState to, String reason, boolean credit, boolean stopAgents, boolean tellLoop) {

        /** The agents reported the run's end: nothing to stop. */
        public static RunEnd reported(JobState to, String reason) {
            return new RunEnd(to, reason, false, false, true);
        }
    }

    /**
     * Closes the running attempt: its segment is charged (unit price × cards × time run) and, with credit, credited
     * the same amount. To PREEMPTED, the job is requeued at once (PREEMPTED → QUEUED) to start again from the
     * beginning.
     */
    public Uni<JobRow> endRun(JobRow running, RunEnd end, Instant at) {
        Instant endAt = at.isBefore(running.startedAt()) ? running.startedAt() : at;
        long charge = Charges.of(running.unitPriceMinor(), running.cardsMilli(),
                Duration.between(running.startedAt(), endAt));
        long credit = end.credit() ? charge : 0;
        boolean requeue = end.to() == JobState.PREEMPTED;
        JobRow after = running.withState(end.to(), end.reason(), at);
        after = requeue ? queuedAgain(after.withState(JobState.QUEUED, end.reason(), at), charge, credit)
                : ended(after, endAt, charge, credit);
        if (requeue && !running.jobClass().preemptible()) {
            after = after.oneRequeueUsed();  // only the infrastructure requeues a job that is not SPOT (maxRequeues)
        }
        JobRow written = after;
        int requeuesUsed = running.requeuesLeft() - written.requeuesLeft();
        return jobs.update(written, JobState.RUNNING, running.attempt(), requeuesUsed).call(done -> {
            if (!done) {
                return Uni.createFrom().voidItem();
            }
            String outcome = end.to().name();
            Uni<Void> work = jobs.segment(running, endAt, outcome, charge, credit)
                    .chain(() -> requeue
                            ? jobs.transition(running.id(), running.tenantId(), at, JobState.RUNNING, end.to(),
                                    end.reason())
                            : dependencies.endedTransition(running.id(), running.tenantId(), at, JobState.RUNNING,
                                    end.to(), end.reason()).chain(dependents -> settle(dependents, at)));
            if (requeue) {
                work = work.chain(() -> jobs.transition(running.id(), running.tenantId(), at, JobState.PREEMPTED,
                        JobState.QUEUED, Reasons.REQUEUED));
            }
            if (end.stopAgents()) {
                work = work.chain(() -> feed.acknowledge(running.id(), running.attempt(), START, at).replaceWithVoid())
                        .chain(() -> feed.assign(running.clusterId(), running.id(), running.attempt(), STOP,
                                running.placement(), running.cardsMilli(), running.maxRunSeconds(), end.reason(), at));
            } else {
                work = work.chain(() -> feed.acknowledge(running.id(), running.attempt(), START, at).replaceWithVoid());
            }
            if (end.tellLoop()) {
                work = work.chain(() -> feed.notify(running.clusterId(), running.id(), requeue ? "REQUEUED" : "ENDED",
                        at));
            }
            return work;
        }).map(done -> done ? written : null);
    }

    private static JobRow ended(JobRow j, Instant endedAt, long charge, long credit) {
        return j.run(j.state(), j.reason(), j.attempt(), j.placement(), j.startedAt(), endedAt,
                j.chargedMinor() + charge, j.creditedMinor() + credit, j.borrowed(), j.updatedAt());
    }

    /** Back in the queue after a run: no placement, no start, not borrowed; the run's charge and credit kept. */
    private static JobRow queuedAgain(JobRow j, long charge, long credit) {
        return j.run(j.state(), j.reason(), j.attempt(), null, null, null, j.chargedMinor() + charge,
                j.creditedMinor() + credit, false, j.updatedAt());
    }
}
