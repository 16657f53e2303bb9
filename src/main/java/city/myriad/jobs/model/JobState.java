package city.myriad.jobs.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a job, whole in the table below: {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED},
 * {@code RUNNING → PREEMPTED → QUEUED} (requeued, to start again from the beginning), {@code QUEUED → CANCELLED},
 * and {@code QUEUED → FAILED} for a job the cluster can never run. A job over its {@code maxRunSeconds} is stopped
 * and ends FAILED with reason {@code TIME_LIMIT}. A tenant may hold a queued job, {@code QUEUED → HELD}, out of every
 * queue until released, {@code HELD → QUEUED}, or cancelled, {@code HELD → CANCELLED}; a held RESERVED job whose
 * reservation closed can never start, {@code HELD → FAILED}. Every writer asks this table before it changes a state.
 */
public enum JobState {
    QUEUED, RUNNING, PREEMPTED, SUCCEEDED, FAILED, CANCELLED, HELD;

    static final Map<JobState, Set<JobState>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(RUNNING, CANCELLED, FAILED, HELD),
            HELD, EnumSet.of(QUEUED, CANCELLED, FAILED),
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, PREEMPTED),
            PREEMPTED, EnumSet.of(QUEUED),
            SUCCEEDED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class),
            CANCELLED, EnumSet.noneOf(JobState.class));

    /**
     * The states a job rests in, those a list can filter by: PREEMPTED is a passage (a preempted job is QUEUED again in
     * the same transaction), never a job's state when read.
     */
    public static final Set<JobState> RESTING = EnumSet.complementOf(EnumSet.of(PREEMPTED));

    public boolean canBecome(JobState next) {
        return ALLOWED.get(this).contains(next);
    }

    /** Not ended: a job that still may run (QUEUED, HELD), runs (RUNNING) or is being requeued (PREEMPTED). */
    public boolean live() {
        return !ended();
    }

    /** SUCCEEDED, FAILED and CANCELLED: nothing follows. */
    public boolean ended() {
        return ALLOWED.get(this).isEmpty();
    }

    /** Throws unless the table allows {@code this → next}: a bug if it ever does. */
    public JobState to(JobState next) {
        if (!canBecome(next)) {
            throw new IllegalStateException("A job cannot go from " + this + " to " + next);
        }
        return next;
    }
}
