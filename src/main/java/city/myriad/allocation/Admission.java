package city.myriad.allocation;

/**
 * Whether a job may start now as far as its tenant's quotas and budgets go. Declared here, where it is used;
 * the service implements it from its quota and budget ledgers, the simulator admits everything. A job that is
 * not admitted stays pending (quotas free up as jobs finish); it is never rejected for it.
 */
@FunctionalInterface
public interface Admission {

    /** The verdict for one job at simulated or wall time {@code nowS}. */
    Verdict check(Job job, double nowS);

    /**
     * The scan started {@code job} at {@code nowS}: told as the start is decided, so that the checks of the jobs
     * after it in the same scan count it (two jobs that each fit a quota alone must not both start in one cycle).
     */
    default void started(Job job, double nowS) {
    }

    /** A start of this very cycle was taken back (its cards went to a job that preempted it): it counts no more. */
    default void takenBack(Job job) {
    }

    /** Admit, or why not. */
    enum Verdict {
        ADMIT,
        QUOTA_EXCEEDED,
        BUDGET_EXCEEDED;

        PlacementResult.Reason reason() {
            return this == QUOTA_EXCEEDED ? PlacementResult.Reason.QUOTA_EXCEEDED : PlacementResult.Reason.BUDGET_EXCEEDED;
        }
    }

    Admission ALWAYS = (job, now) -> Verdict.ADMIT;

    /** The deferral to report for a job that is not admitted, or null when it is. */
    static PlacementResult.Deferred refusal(Admission admission, Job job, double nowS) {
        Verdict v = admission.check(job, nowS);
        return v == Verdict.ADMIT ? null : new PlacementResult.Deferred(v.reason());
    }
}
