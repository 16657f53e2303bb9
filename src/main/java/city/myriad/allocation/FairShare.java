package city.myriad.allocation;

import java.util.Arrays;

/**
 * Weighted fair share across tenants with decaying usage, as in Slurm's classic fair-share factor and Kueue's
 * admission fair sharing: each tenant's usage is the card-seconds it was granted, halved every {@code halfLifeS}
 * seconds, and the tenant with the smallest <em>usage per unit of weight</em> goes first. A tenant of weight 2 is
 * entitled to twice the cards of a tenant of weight 1 before they compete as equals.
 *
 * <p>Rules:
 * <ul>
 *   <li>usage is charged when a job starts, for its whole declared run time (a job without one counts as a day),
 *       so a tenant cannot start many long jobs in one cycle before its share catches up; a job that stops before
 *       its declared end (evicted, or finished early) gets the part it did not run back, so a tenant is charged
 *       for what ran, not once per restart of its spot work nor for the run time it declared to be safe;</li>
 *   <li>a tenant with no weight given has weight 1; weights must be positive;</li>
 *   <li>decay is exact for any time step: {@code usage(t2) = usage(t1) · 2^-((t2 - t1) / halfLife)}.</li>
 * </ul>
 */
public final class FairShare {

    /** Card-seconds charged for a job that declares no run time. */
    static final double UNBOUNDED_JOB_S = 86_400;

    private final double halfLifeS;
    private double[] weight;
    private double[] usage;
    private double[] usageAt;

    /** Equal weights; usage halves every {@code halfLifeS} seconds (0: never decays). */
    public FairShare(double halfLifeS) {
        if (halfLifeS < 0) {
            throw new IllegalArgumentException("half-life must not be negative");
        }
        this.halfLifeS = halfLifeS;
        this.weight = new double[0];
        this.usage = new double[0];
        this.usageAt = new double[0];
    }

    /** Sets a tenant's weight (its share entitlement relative to the others). */
    public FairShare weight(int tenant, double w) {
        if (!(w > 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("the weight of tenant " + tenant + " must be positive: " + w);
        }
        grow(tenant);
        weight[tenant] = w;
        return this;
    }

    public double weightOf(int tenant) {
        return tenant < weight.length ? weight[tenant] : 1;
    }

    /** The tenant's usage at {@code nowS}, decayed. */
    public double usage(int tenant, double nowS) {
        if (tenant >= usage.length) {
            return 0;
        }
        if (halfLifeS > 0 && usageAt[tenant] != nowS) {
            usage[tenant] *= Math.pow(0.5, (nowS - usageAt[tenant]) / halfLifeS);
            usageAt[tenant] = nowS;
        }
        return usage[tenant];
    }

    /** Usage divided by weight: the smaller, the sooner the tenant's next job. */
    public double standing(int tenant, double nowS) {
        return usage(tenant, nowS) / weightOf(tenant);
    }

    /** Charges the tenant for a job started at {@code nowS}. */
    public void charge(Job job, double nowS) {
        grow(job.tenant());
        usage(job.tenant(), nowS);
        usage[job.tenant()] += cardSeconds(job);
    }

    /**
     * Gives back what a job started at {@code startedAtS} was charged for the run time it will not have: it stopped
     * at {@code nowS} (evicted, its start taken back in the cycle that made it, or ended early), so its tenant is
     * charged only for what it ran. The part given back has decayed since the charge as the rest of the usage has.
     */
    public void refund(Job job, double startedAtS, double nowS) {
        double ran = nowS - startedAtS;
        double unused = cardSeconds(job) - Math.max(1, job.totalMilli() / 1000.0) * ran;
        if (unused <= 0 || job.tenant() >= usage.length) {
            return;
        }
        double left = usage(job.tenant(), nowS) - unused * decay(ran);
        usage[job.tenant()] = Math.max(0, left);
    }

    private double decay(double elapsedS) {
        return halfLifeS > 0 ? Math.pow(0.5, elapsedS / halfLifeS) : 1;
    }

    /** What a job costs its tenant's share: its cards (at least one, for CPU-only jobs) times its run time. */
    static double cardSeconds(Job job) {
        double d = Double.isInfinite(job.durationS()) ? UNBOUNDED_JOB_S : job.durationS();
        return Math.max(1, job.totalMilli() / 1000.0) * d;
    }

    private void grow(int tenant) {
        if (tenant < 0) {
            throw new IllegalArgumentException("tenant index must not be negative: " + tenant);
        }
        if (tenant >= usage.length) {
            int n = Math.max(tenant + 1, usage.length * 2);
            int old = weight.length;
            weight = Arrays.copyOf(weight, n);
            Arrays.fill(weight, old, n, 1);
            usage = Arrays.copyOf(usage, n);
            usageAt = Arrays.copyOf(usageAt, n);
        }
    }
}
