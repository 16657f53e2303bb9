package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The last node-by-node plan of each cluster and model's queue, reused for a moment by the views of the jobs in it.
 * One plan of the queue up to a job gives the start of every job ahead of it too (a job's start depends only on the
 * jobs before it: {@code StartEstimate.startsOnNodes}), so a portal polling a tenant's queued jobs pays for one plan a
 * second instead of one per job (on 1,250 full nodes a plan 250 jobs deep takes about 25 ms). A job behind more than
 * the node plan's limit is estimated on the model's cards taken together; that pooled plan is kept beside the node
 * plan, for the jobs that deep only (those before them are planned node by node by their own views). What the
 * running jobs hold on each node and the nodes reservations hold or keep, read for a plan, are kept the same way for
 * the plans made anew and the quotes (which plan a job that is not in the queue, so never reuse a plan).
 *
 * <p>Rules, as for the reference caches (docs/design/reference-caches.md): a plan is reused at most {@code reuse}
 * after it was made (by this process's clock and by the service's, so a test clock moved on forgets it), and only
 * while the model's nodes in service are what they were when it was made (the list {@code ClusterSupply} gives, read
 * again each second and at once when nodes change, compared by value); this replica forgets a cluster's plans at
 * once when its queue or running jobs change here (a submission, a cancellation, an agent's job or node events, not
 * its acknowledgments, a budget stop: {@link SchedulingLoops#wake}; a committed cycle: {@link #changed}), so it sees
 * its own writes; another replica's within {@code reuse}. A plan made while the cluster changed is not
 * kept. {@code myriad.jobs.estimate-reuse=0} turns reuse off.
 */
@ApplicationScoped
public class QueuePlans {

    /** A job's place in a plan: its position in the queue (1 first) and its planned start, empty if never. */
    public record Planned(long position, Optional<Instant> startAt) {}

    /** A cluster and model's plan node by node, or pooled (the model's cards taken together, for deep queues). */
    private record Key(UUID cluster, String model, boolean pooled) {}

    private record Plan(Object nodes, Map<UUID, Integer> index, List<Optional<Instant>> starts, Instant madeAt,
            long madeNanos) {}

    /**
     * What the running jobs hold, as read on {@code nodes}: per node with the reservations' holds (node plans, a
     * {@link NodeLoad}) or in all (pooled plans, a list of {@code StartEstimate.Running}).
     */
    private record Running(Object nodes, Object held, long madeNanos) {}

    private final Map<Key, Plan> plans = new ConcurrentHashMap<>();
    /**
     * What the running jobs hold on each node (node plans), or their holdings and declared ends (pooled plans), as the
     * last plan read it: quotes and plans made anew reuse it.
     */
    private final Map<Key, Running> running = new ConcurrentHashMap<>();
    /** Per cluster, how many times it changed: a plan is kept only if no change came while it was made. */
    private final Map<UUID, AtomicLong> changes = new ConcurrentHashMap<>();
    private final long reuseNanos;

    /** How a QUEUED job's view got its start estimate. */
    enum How { REUSED, PLANNED, POOLED }

    /**
     * The start estimates of QUEUED jobs' views, at /q/metrics as {@code myriad_jobs_start_estimates_total} by
     * {@code how}: reused from a plan, planned node by node, or pooled (behind more than the node plan's limit).
     */
    private final Map<How, Counter> counted = new java.util.EnumMap<>(How.class);

    QueuePlans(@ConfigProperty(name = "myriad.jobs.estimate-reuse", defaultValue = "1s") Duration reuse,
            MeterRegistry meters) {
        this.reuseNanos = reuse.toNanos();
        for (How how : How.values()) {
            counted.put(how, Counter.builder("myriad.jobs.start.estimates").tag("how", how.name().toLowerCase())
                    .description("Start estimates of queued jobs' views, by how they were made").register(meters));
        }
    }

    /** Counts an estimate made {@code how}. */
    void counted(How how) {
        counted.get(how).increment();
    }

    /** The cluster's count of changes, to pass back to {@link #keep}. */
    long version(UUID cluster) {
        return changes.computeIfAbsent(cluster, c -> new AtomicLong()).get();
    }

    /**
     * Where {@code job} stands in the cluster and model's last plan, if that plan is fresh, was made on the same
     * nodes as {@code nodes} and holds the job; a start before {@code now} is now.
     */
    Optional<Planned> find(UUID cluster, String model, Object nodes, UUID job, Instant now) {
        return find(new Key(cluster, model, false), nodes, job, now)
                .or(() -> find(new Key(cluster, model, true), nodes, job, now));
    }

    private Optional<Planned> find(Key key, Object nodes, UUID job, Instant now) {
        Plan p = plans.get(key);
        if (p == null || !same(p.nodes(), nodes) || !fresh(p, now)) {
            return Optional.empty();
        }
        Integer k = p.index().get(job);
        if (k == null) {
            return Optional.empty();
        }
        return Optional.of(new Planned(k + 1, p.starts().get(k).map(s -> s.isBefore(now) ? now : s)));
    }

    /**
     * Keeps the node-by-node plan of the queue {@code ids} (in the core's order) with each one's start, made at
     * {@code now} on {@code nodes}, unless the cluster changed since {@code version} was read.
     */
    void keep(UUID cluster, String model, long version, Object nodes, List<UUID> ids, List<Optional<Instant>> starts,
            Instant now) {
        keep(new Key(cluster, model, false), version, nodes, ids, starts, 0, now);
    }

    /**
     * Keeps the pooled plan of the queue {@code ids} the same way, for the jobs from the {@code from}-th on (0 first):
     * those before it are planned node by node by their own views, and a pooled plan does not answer them.
     */
    void keepPooled(UUID cluster, String model, long version, Object nodes, List<UUID> ids,
            List<Optional<Instant>> starts, int from, Instant now) {
        keep(new Key(cluster, model, true), version, nodes, ids, starts, from, now);
    }

    private void keep(Key key, long version, Object nodes, List<UUID> ids, List<Optional<Instant>> starts, int from,
            Instant now) {
        if (reuseNanos <= 0 || version(key.cluster()) != version) {
            return;
        }
        Map<UUID, Integer> index = new HashMap<>(Math.max(0, ids.size() - from) * 2);
        for (int k = from; k < ids.size(); k++) {
            index.put(ids.get(k), k);
        }
        plans.put(key, new Plan(nodes, index, List.copyOf(starts), now, System.nanoTime()));
        if (version(key.cluster()) != version) {
            plans.remove(key);  // a change came while it was put
        }
    }

    /** What a node plan reads besides the queue: the running jobs on each node, and the reservations' holds. */
    record NodeLoad(List<StartEstimate.Placed> placed, List<StartEstimate.Hold> holds) {

        NodeLoad {
            placed = List.copyOf(placed);
            holds = List.copyOf(holds);
        }
    }

    /**
     * What the running jobs of the cluster and model hold on each of {@code nodes} (by index) and the reservations'
     * holds there, as read less than {@code reuse} ago on the same nodes with no change since; empty otherwise.
     */
    Optional<NodeLoad> running(UUID cluster, String model, Object nodes) {
        return held(new Key(cluster, model, false), nodes).map(NodeLoad.class::cast);
    }

    /** Keeps what the running jobs hold on {@code nodes}, unless the cluster changed since {@code version}. */
    void keepRunning(UUID cluster, String model, long version, Object nodes, NodeLoad load) {
        keepHeld(new Key(cluster, model, false), version, nodes, load);
    }

    /**
     * What the running jobs of the cluster and model hold in all and their declared ends, for pooled plans, as read
     * less than {@code reuse} ago on the same nodes ({@code nodes}: the model's node shapes) with no change since.
     */
    @SuppressWarnings("unchecked")
    Optional<List<StartEstimate.Running>> ends(UUID cluster, String model, Object nodes) {
        return held(new Key(cluster, model, true), nodes).map(held -> (List<StartEstimate.Running>) held);
    }

    /** Keeps the running jobs' holdings and ends read on {@code nodes}, unless the cluster changed since {@code version}. */
    void keepEnds(UUID cluster, String model, long version, Object nodes, List<StartEstimate.Running> ends) {
        keepHeld(new Key(cluster, model, true), version, nodes, List.copyOf(ends));
    }

    private Optional<Object> held(Key key, Object nodes) {
        Running r = running.get(key);
        boolean fresh = r != null && same(r.nodes(), nodes) && System.nanoTime() - r.madeNanos() < reuseNanos;
        return fresh ? Optional.of(r.held()) : Optional.empty();
    }

    private void keepHeld(Key key, long version, Object nodes, Object held) {
        if (reuseNanos <= 0 || version(key.cluster()) != version) {
            return;
        }
        running.put(key, new Running(nodes, held, System.nanoTime()));
        if (version(key.cluster()) != version) {
            running.remove(key);  // a change came while it was put
        }
    }

    /** The cluster's queue or running jobs changed: its plans and what its running jobs hold are forgotten. */
    public void changed(UUID cluster) {
        changes.computeIfAbsent(cluster, c -> new AtomicLong()).incrementAndGet();
        plans.keySet().removeIf(k -> k.cluster().equals(cluster));
        running.keySet().removeIf(k -> k.cluster().equals(cluster));
    }

    /** The same nodes in service: the same list as read, or one read again with every node as it was. */
    private static boolean same(Object planned, Object nodes) {
        return planned == nodes || planned.equals(nodes);
    }

    private boolean fresh(Plan p, Instant now) {
        long age = System.nanoTime() - p.madeNanos();
        return age < reuseNanos && !now.isBefore(p.madeAt())
                && Duration.between(p.madeAt(), now).toNanos() < reuseNanos;
    }
}
