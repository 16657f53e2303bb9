package city.myriad.allocation;

/**
 * What one scheduling cycle decided, in the order it decided it. The caller carries the decisions out (the
 * simulator at once; the service by committing the cycle in one transaction and telling the cluster agents).
 */
public sealed interface Decision permits Decision.Start, Decision.Preempt, Decision.Reject {

    /** Start the job here now; its cards are already taken in the scheduler's state. */
    record Start(Placement placement) implements Decision {}

    /**
     * Stop this preemptible job now to make room for {@code forJob}; its cards are already released and the job is
     * pending again, to start from the beginning when room frees up.
     */
    record Preempt(Placement victim, Job forJob) implements Decision {}

    /** The job can never run on this cluster as it is; it has left the queue. */
    record Reject(Job job, PlacementResult.Reason reason) implements Decision {}
}
