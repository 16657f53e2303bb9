package city.myriad.jobs.service;

import city.myriad.jobs.model.JobClass;
import city.myriad.quota.service.QuotaLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Which card limits bind a job. A limit of the job's class binds it; a limit without class binds ON_DEMAND and
 * RESERVED jobs, while a SPOT job may run beyond it as borrowed work on idle capacity (it is preemptible, so
 * reclaimed first). Both the tenant's and the project's limits bind.
 */
final class CardQuota {

    /**
     * No project's id: its limits read as none, so only the tenant's bind (a quote that names no project; the use of
     * a tenant's own limits, {@link QuotaUse}).
     */
    static final UUID NO_PROJECT = new UUID(0, 0);

    private CardQuota() {}

    /** A binding limit, and whether it is the tenant's (else the project's). */
    record Binding(QuotaLimits.Limit limit, boolean tenantWide) {}

    static List<QuotaLimits.Limit> binding(QuotaLimits.Effective limits, UUID clusterId, String model, JobClass jobClass) {
        return bindings(limits, clusterId, model, jobClass, false).stream().map(Binding::limit).toList();
    }

    /** With {@code borrowable}: the class-less limits a SPOT job may borrow beyond (those only). */
    static List<Binding> bindings(QuotaLimits.Effective limits, UUID clusterId, String model, JobClass jobClass,
            boolean borrowable) {
        List<Binding> out = new ArrayList<>();
        add(out, limits.tenant().cards(), true, clusterId, model, jobClass, borrowable);
        add(out, limits.project().cards(), false, clusterId, model, jobClass, borrowable);
        return out;
    }

    private static void add(List<Binding> out, List<QuotaLimits.Limit> cards, boolean tenantWide, UUID clusterId, String model,
            JobClass jobClass, boolean borrowable) {
        for (QuotaLimits.Limit l : cards) {
            if (!l.clusterId().equals(clusterId) || !l.model().equals(model)) {
                continue;
            }
            boolean classless = l.priceClass() == null;
            boolean binds = jobClass.name().equals(l.priceClass()) || (classless && jobClass != JobClass.SPOT);
            boolean borrowedBeyond = classless && jobClass == JobClass.SPOT;
            if (borrowable ? borrowedBeyond : binds) {
                out.add(new Binding(l, tenantWide));
            }
        }
    }
}
