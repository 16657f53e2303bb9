package city.myriad.jobs.model;

/**
 * The end a job waits for in another job of its tenant (Slurm's {@code --dependency}): {@code SUCCEEDED} (afterok),
 * {@code NOT_SUCCEEDED} (afternotok: FAILED or CANCELLED) or {@code ENDED} (afterany: any of the three). A dependency is
 * met, still pending or never to be met, read from the state of the job it names alone: ended states never change,
 * so a dependency once met or never met stays so.
 */
public enum DependencyCondition {
    SUCCEEDED, NOT_SUCCEEDED, ENDED;

    /** Where a dependency stands. */
    public enum Status { PENDING, SATISFIED, NEVER_SATISFIED }

    /** This condition on a job now in {@code state}. */
    public Status status(JobState state) {
        if (!state.ended()) {
            return Status.PENDING;  // QUEUED, HELD, RUNNING or PREEMPTED: it may still end either way
        }
        boolean met = switch (this) {
            case SUCCEEDED -> state == JobState.SUCCEEDED;
            case NOT_SUCCEEDED -> state != JobState.SUCCEEDED;
            case ENDED -> true;
        };
        return met ? Status.SATISFIED : Status.NEVER_SATISFIED;
    }

    /**
     * A job's dependencies all together: NEVER_SATISFIED if one is (the job can never run), else PENDING if one is
     * (it waits), else SATISFIED (none left, or all met).
     */
    public static Status all(Iterable<Status> each) {
        Status all = Status.SATISFIED;
        for (Status s : each) {
            if (s == Status.NEVER_SATISFIED) {
                return s;
            }
            if (s == Status.PENDING) {
                all = s;
            }
        }
        return all;
    }
}
