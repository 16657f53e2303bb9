package city.myriad.allocation;

/**
 * A request for cards: a gang of {@code gpus} cards that start together or not at all, each taking
 * {@code gpuMilli} of 1000 milli-cards (below 1000 only for one card: a fractional slice), on a node of an allowed
 * model ({@code allowedModels}, a bit set of {@link Topology} model ids; all bits set = any model).
 *
 * @param id stable index of the job in its workload (0-based)
 * @param tenant index of the tenant, for fair share
 * @param submitS when the job was submitted, seconds
 * @param durationS declared run time in seconds; {@code Double.POSITIVE_INFINITY} for a job that never ends
 * @param cpuMilli CPU request of the whole job
 * @param memoryMib memory request of the whole job
 * @param priority higher first; 0 is normal
 * @param preemptible whether the job may be stopped to make room for non-preemptible work
 * @param oneBlock whether a gang across nodes must stay inside one block (it waits rather than span blocks)
 * @param tenantPriority the tenant's own order among its jobs, higher first (0 normal): it moves a job ahead of the
 *        tenant's other jobs only, never ahead of another tenant's, and only where the queue is kept per tenant
 *        (fair share); aging and reservations ignore it
 */
public record Job(int id, int tenant, double submitS, double durationS, int gpus, int gpuMilli, long allowedModels,
        long cpuMilli, long memoryMib, int priority, boolean preemptible, boolean oneBlock, int tenantPriority) {

    public static final long ANY_MODEL = -1L;

    public Job {
        if (gpus < 0) {
            throw new IllegalArgumentException("job " + id + ": gpus must be 0 or more, got " + gpus);
        }
        if (gpuMilli < 0 || gpuMilli > 1000) {
            throw new IllegalArgumentException("job " + id + ": gpu_milli must be 0 to 1000, got " + gpuMilli);
        }
        if (gpuMilli < 1000 && gpus > 1) {
            throw new IllegalArgumentException("job " + id + ": a fractional share (gpu_milli " + gpuMilli
                    + ") needs exactly one card, got " + gpus);
        }
    }

    public boolean allows(int model) {
        return (allowedModels & (1L << model)) != 0;
    }

    public boolean fractional() {
        return gpus == 1 && gpuMilli < 1000;
    }

    /** This job running until it is stopped: as it is in static packing, whatever run time it declared. */
    public Job endless() {
        return Double.isInfinite(durationS) ? this
                : new Job(id, tenant, submitS, Double.POSITIVE_INFINITY, gpus, gpuMilli, allowedModels, cpuMilli,
                        memoryMib, priority, preemptible, oneBlock, tenantPriority);
    }

    /** Milli-cards of the whole gang. */
    public long totalMilli() {
        return (long) gpus * gpuMilli;
    }

    /**
     * A job built field by field: one whole card of any model, tenant 0, submitted at 0, running until it is
     * finished, no CPU or memory asked, normal priority (and tenant priority), not preemptible, free to span blocks, unless set otherwise.
     */
    public static Builder of(int id) {
        return new Builder(id);
    }

    /** See {@link #of}. */
    public static final class Builder {
        private final int id;
        private int tenant;
        private double submitS;
        private double durationS = Double.POSITIVE_INFINITY;
        private int gpus = 1;
        private int gpuMilli = 1000;
        private long allowedModels = ANY_MODEL;
        private long cpuMilli;
        private long memoryMib;
        private int priority;
        private boolean preemptible;
        private boolean oneBlock;
        private int tenantPriority;

        private Builder(int id) {
            this.id = id;
        }

        public Builder tenant(int tenant) {
            this.tenant = tenant;
            return this;
        }

        public Builder submittedAt(double seconds) {
            this.submitS = seconds;
            return this;
        }

        public Builder runsFor(double seconds) {
            this.durationS = seconds;
            return this;
        }

        /** A gang of whole cards. */
        public Builder cards(int gpus) {
            this.gpus = gpus;
            return this;
        }

        /** A slice of one card, in thousandths (or a gang of {@code gpus} with this share of each). */
        public Builder milliPerCard(int milli) {
            this.gpuMilli = milli;
            return this;
        }

        public Builder models(long allowedModels) {
            this.allowedModels = allowedModels;
            return this;
        }

        public Builder cpu(long milli) {
            this.cpuMilli = milli;
            return this;
        }

        public Builder memory(long mib) {
            this.memoryMib = mib;
            return this;
        }

        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        public Builder preemptible(boolean preemptible) {
            this.preemptible = preemptible;
            return this;
        }

        /** A gang that must run inside one block (the marketplace's same-block tier); one node is always in one. */
        public Builder oneBlock(boolean oneBlock) {
            this.oneBlock = oneBlock;
            return this;
        }

        /** The tenant's own order among its jobs, higher first: see {@link Job}. */
        public Builder tenantPriority(int tenantPriority) {
            this.tenantPriority = tenantPriority;
            return this;
        }

        public Job build() {
            return new Job(id, tenant, submitS, durationS, gpus, gpuMilli, allowedModels, cpuMilli, memoryMib,
                    priority, preemptible, oneBlock, tenantPriority);
        }
    }
}
