package city.myriad.allocation;

/**
 * Chooses where a job would run now, without changing the state: the caller allocates a {@code Placed} result.
 * Policies may learn the shape of demand from the jobs they are shown ({@link #observe}), never from the future.
 */
public interface PlacementPolicy {

    PlacementResult place(ClusterState state, Job job);

    /** Tells the policy that a job arrived (placed or not), so it may learn the demand's shape. */
    default void observe(Job job) {}

    /**
     * Tells the policy that the caller allocated a placement for a job that runs: a start, or a running job taken
     * back after a restart; not a what-if ({@link #place} is also asked for placements that are then dropped, e.g.
     * by preemption's trials). What a policy books against the placements made (the default's planned waste) is
     * booked here, after the allocation.
     */
    default void allocated(ClusterState state, Placement placement) {}

    String name();
}
