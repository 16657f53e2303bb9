package city.myriad.jobs.service;

import city.myriad.allocation.Scheduler;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * What an operator watches of each cluster's scheduling loop, at /q/metrics: the jobs waiting in the core, the jobs
 * running, the share of the cluster's milli-cards allocated, and the reserved cards no node in service holds (sold
 * in reservations whose window is open, short since nodes went down), as of the loop's last cycle. A replica publishes
 * them for the clusters it leads; for a cluster it led once and leads no more, NaN (not known here: the leader has
 * them), never stale figures. A loop that ends while its successor on the same replica has begun leaves the
 * successor's figures alone.
 */
final class LoopGauges {

    /** One loop's figures: written by its thread after each cycle, read by the scrape (never the core itself). */
    static final class Figures {
        private volatile double pending;
        private volatile double running;
        private volatile double allocated;
        private volatile double reservedShort;

        /** The figures of the cycle just run (the loop's thread only: the scheduler is not shared). */
        void update(Scheduler scheduler, int reservedCardsShort) {
            pending = scheduler.pending();
            running = scheduler.running();
            allocated = scheduler.allocationRatio();
            reservedShort = reservedCardsShort;
        }
    }

    private final MeterRegistry meters;
    private final Map<UUID, Figures> leading = new ConcurrentHashMap<>();
    private final Set<UUID> registered = ConcurrentHashMap.newKeySet();

    LoopGauges(MeterRegistry meters) {
        this.meters = meters;
    }

    /** A loop begins for the cluster: its figures are the ones published from now on. */
    Figures begin(UUID clusterId) {
        Figures figures = new Figures();
        leading.put(clusterId, figures);
        if (registered.add(clusterId)) {
            register(clusterId, "myriad.scheduler.pending", "Jobs waiting in the cluster's scheduler", f -> f.pending);
            register(clusterId, "myriad.scheduler.running", "Jobs running on the cluster", f -> f.running);
            register(clusterId, "myriad.scheduler.allocated.ratio", "Share of the cluster's cards (in milli-cards) "
                    + "allocated", f -> f.allocated);
            register(clusterId, "myriad.reservations.short.cards", "Cards sold in reservations whose window is open "
                    + "that they cannot use: no node in service holds them (nodes down since they were sold), or other "
                    + "tenants' work placed before the window takes them", f -> f.reservedShort);
        }
        return figures;
    }

    /** The loop has ended: unless another loop of this replica leads the cluster already, its figures go. */
    void end(UUID clusterId, Figures figures) {
        leading.remove(clusterId, figures);
    }

    private void register(UUID clusterId, String name, String description, ToDoubleFunction<Figures> value) {
        Gauge.builder(name, leading, l -> {
            Figures f = l.get(clusterId);
            return f == null ? Double.NaN : value.applyAsDouble(f);
        }).description(description + ", as of its scheduler's last cycle on the replica that leads it")
                .tag("cluster", clusterId.toString()).strongReference(true).register(meters);
    }
}
