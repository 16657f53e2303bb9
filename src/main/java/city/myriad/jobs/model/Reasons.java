package city.myriad.jobs.model;

/** The reasons a job's history and view give, as stable strings clients may branch on. */
public final class Reasons {

    private Reasons() {}

    // Why a QUEUED job waits
    /** Not enough free cards of its model now (or jobs ahead of it take them first). */
    public static final String CAPACITY = "CAPACITY";
    /** Its tenant's or project's concurrent-card quota is in use by its other jobs. */
    public static final String QUOTA = "QUOTA";
    // MAINTENANCE (below): free cards that would take it are in a maintenance window, or kept free for one its
    // declared run would reach into.
    /** Its reservation's window has not begun. */
    public static final String RESERVATION_NOT_STARTED = "RESERVATION_NOT_STARTED";
    /** Its reservation's cards are taken by the tenant's other jobs. */
    public static final String RESERVATION_FULL = "RESERVATION_FULL";
    /** It asked for one block and no block has room now. */
    public static final String BLOCK = "BLOCK";
    /** Its {@code notBefore} (Slurm's --begin) has not come. */
    public static final String NOT_BEFORE = "NOT_BEFORE";
    /** Its job array runs as many of its jobs at once as the array allows ({@code maxRunning}). */
    public static final String ARRAY_LIMIT = "ARRAY_LIMIT";
    /**
     * Only cards out of service keep it out: the cluster's hardware would hold it, its cards in service cannot (too
     * few, none of its model, or no node with its cards at once). It waits for their repair.
     */
    public static final String CARDS_OUT = "CARDS_OUT";

    // Why a HELD job waits
    /** Jobs it depends on (createJob's dependsOn) have not all ended as it asked. */
    public static final String DEPENDENCY = "DEPENDENCY";

    // Why a transition happened
    public static final String SUBMITTED = "SUBMITTED";
    public static final String SCHEDULED = "SCHEDULED";
    public static final String COMPLETED = "COMPLETED";
    public static final String CANCELLED_BY_TENANT = "CANCELLED_BY_TENANT";
    /** Cancelled by a platform admin (support), charged for the time it ran as any cancel. */
    public static final String CANCELLED_BY_ADMIN = "CANCELLED_BY_ADMIN";
    public static final String TIME_LIMIT = "TIME_LIMIT";
    public static final String PREEMPTED = "PREEMPTED";
    public static final String REQUEUED = "REQUEUED";
    /** Held by its tenant (QUEUED → HELD): in no queue until released. */
    public static final String HELD_BY_TENANT = "HELD_BY_TENANT";
    /** Held by a platform admin (support: a job that harms the cluster or breaks the terms): only an admin releases it. */
    public static final String HELD_BY_ADMIN = "HELD_BY_ADMIN";
    /** Released by its tenant (HELD → QUEUED): queued again, its wait counted from the release. */
    public static final String RELEASED = "RELEASED";
    /** The last job it depended on ended as asked (HELD → QUEUED): queued, its wait counted from then. */
    public static final String DEPENDENCY_SATISFIED = "DEPENDENCY_SATISFIED";
    /** A job it depended on ended otherwise than asked (HELD → CANCELLED): it can never run (Slurm's kill_invalid_depend). */
    public static final String DEPENDENCY_NEVER_SATISFIED = "DEPENDENCY_NEVER_SATISFIED";
    public static final String NODE_DOWN = "NODE_DOWN";
    /**
     * A card it ran on was taken out of service (setCardState, an agent's CARD_DOWN) while its node worked on: as on a
     * node down, SPOT requeued and the others FAILED, the run credited.
     */
    public static final String CARD_DOWN = "CARD_DOWN";
    /**
     * Its node's maintenance window began while it ran (SPOT: requeued; the others: FAILED), its run credited; of a
     * QUEUED job: free cards that would take it are in a maintenance window, or kept free for one its declared run
     * would reach into (ClusterLoop).
     */
    public static final String MAINTENANCE = "MAINTENANCE";
    public static final String AGENT_REPORTED_FAILURE = "AGENT_REPORTED_FAILURE";
    public static final String RESERVATION_ENDED = "RESERVATION_ENDED";
    /** Why a job waits: its tenant is suspended from new work (an invoice unpaid past its grace period). */
    public static final String TENANT_SUSPENDED = "TENANT_SUSPENDED";
    public static final String NEVER_FITS = "NEVER_FITS";
    /** Its tenant's (or project's) budget was used up and the policy says STOP for running ON_DEMAND work. */
    public static final String BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED";
}
