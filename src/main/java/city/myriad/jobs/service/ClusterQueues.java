package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.jobs.mapping.JobsApi.ClassQueueView;
import city.myriad.jobs.mapping.JobsApi.ClusterQueueView;
import city.myriad.jobs.mapping.JobsApi.ModelQueueView;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A cluster's demand and use per card model, for its operator (and platform admins): what runs, what waits and why,
 * and how long the cards in service would take to run the queue. Summed across tenants, counts only: no tenant,
 * project or job is named.
 */
@ApplicationScoped
public class ClusterQueues {

    private final Scoped scoped;
    private final ClusterSupply clusters;
    private final JobRepository jobs;
    private final Clock clock;

    ClusterQueues(Scoped scoped, ClusterSupply clusters, JobRepository jobs, Clock clock) {
        this.scoped = scoped;
        this.clusters = clusters;
        this.jobs = jobs;
        this.clock = clock;
    }

    /** Per model and class, as summed: running jobs and their milli-cards; queued jobs, milli-cards, reasons. */
    private static final class Sums {
        long running;
        long runningMilli;
        long queued;
        long queuedMilli;
        long held;
        long heldMilli;
        BigDecimal queuedMilliSeconds = BigDecimal.ZERO;
        Instant oldest;
        final Map<String, Long> reasons = new TreeMap<>();

        void add(String state, String reason, long n, long milli, BigDecimal milliSeconds, Instant created) {
            if (JobState.RUNNING.name().equals(state)) {
                running += n;
                runningMilli += milli;
                return;
            }
            if (JobState.HELD.name().equals(state)) {
                held += n;
                heldMilli += milli;
                return;
            }
            queued += n;
            queuedMilli += milli;
            queuedMilliSeconds = queuedMilliSeconds.add(milliSeconds);
            oldest = oldest == null || created.isBefore(oldest) ? created : oldest;
            reasons.merge(reason, n, Long::sum);
        }

        void add(Sums o) {
            running += o.running;
            runningMilli += o.runningMilli;
            queued += o.queued;
            queuedMilli += o.queuedMilli;
            held += o.held;
            heldMilli += o.heldMilli;
            queuedMilliSeconds = queuedMilliSeconds.add(o.queuedMilliSeconds);
            oldest = oldest == null || (o.oldest != null && o.oldest.isBefore(oldest)) ? o.oldest : oldest;
            o.reasons.forEach((r, n) -> reasons.merge(r, n, Long::sum));
        }
    }

    /** The cluster's queue; 404 {@code CLUSTER_NOT_FOUND}, 403 for a caller who does not manage it. */
    public Uni<ClusterQueueView> of(Caller caller, UUID clusterId) {
        Instant now = clock.instant();
        return clusters.managed(caller, clusterId)
                .chain(c -> scoped.asPlatform(() -> jobs.liveSummary(clusterId)))
                .chain(rows -> clusters.models(clusterId).chain(models -> {
                    Map<String, Map<String, Sums>> byModel = new TreeMap<>();
                    models.forEach(m -> byModel.put(m, new TreeMap<>()));
                    for (Object[] r : rows) {
                        byModel.computeIfAbsent((String) r[0], m -> new TreeMap<>())
                                .computeIfAbsent((String) r[1], k -> new Sums())
                                .add((String) r[2], (String) r[3], ((Number) r[4]).longValue(),
                                        ((Number) r[5]).longValue(), new BigDecimal(r[6].toString()),
                                        SqlTimes.instant(r[7]));
                    }
                    Uni<List<ModelQueueView>> views = Uni.createFrom().item(new ArrayList<>());
                    for (var model : byModel.entrySet()) {
                        views = views.chain(list -> clusters.nodeShapes(clusterId, model.getKey()).map(shapes -> {
                            long cards = shapes.stream().mapToLong(n -> (long) n.cards() * n.nodes()).sum();
                            list.add(view(model.getKey(), cards, model.getValue()));
                            return list;
                        }));
                    }
                    return views.map(list -> new ClusterQueueView(clusterId, now, List.copyOf(list)));
                }));
    }

    private static ModelQueueView view(String model, long cardsInService, Map<String, Sums> byClass) {
        Sums all = new Sums();
        List<ClassQueueView> classes = new ArrayList<>();
        byClass.forEach((jobClass, s) -> {
            all.add(s);
            classes.add(new ClassQueueView(jobClass, s.running, cards(s.runningMilli), s.queued, cards(s.queuedMilli)));
        });
        Long drain = cardsInService == 0 ? null : all.queuedMilliSeconds
                .divide(BigDecimal.valueOf(cardsInService * 1000L), 0, RoundingMode.CEILING).longValueExact();
        return new ModelQueueView(model, cardsInService, all.running, cards(all.runningMilli), all.queued,
                cards(all.queuedMilli), all.queuedMilliSeconds.divide(BigDecimal.valueOf(3_600_000L), 2,
                        RoundingMode.HALF_UP).stripTrailingZeros(), all.oldest, drain, all.reasons, all.held,
                cards(all.heldMilli), classes);
    }

    /** Milli-cards as cards: whole numbers without a fraction, else to the thousandth. */
    static BigDecimal cards(long milli) {
        BigDecimal c = BigDecimal.valueOf(milli, 3).stripTrailingZeros();
        return c.scale() < 0 ? c.setScale(0) : c;
    }
}
