package city.myriad.jobs.service;

import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.StartEstimate;
import city.myriad.catalog.service.ClusterSupply;
import city.myriad.jobs.mapping.JobsApi.JobView;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.repository.JobQueueRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.quota.service.QuotaLimits;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * When a queued job should start, for its own view ({@link JobService}) and for a quote ({@link JobQueueOutlook}):
 * the jobs ahead of it in the scheduling core's order, each moved to when the loop's admission has room for it
 * (its reservation's cards, the card limits binding it, its array's slots), played on the model's nodes in service
 * around what runs there. An estimate: jobs that end early, preemption, fair share, later smaller jobs and new
 * reservations move it. Plans are kept for a second ({@link QueuePlans}) for the jobs ahead.
 */
@ApplicationScoped
public class JobStartEstimates {

    private final Scoped scoped;
    private final JobQueueRepository reads;
    private final ClusterSupply clusters;
    private final QuotaLimits quotas;
    private final QueuePlans plans;
    private final ObjectMapper json;

    JobStartEstimates(Scoped scoped, JobQueueRepository reads, ClusterSupply clusters, QuotaLimits quotas,
            QueuePlans plans, ObjectMapper json) {
        this.scoped = scoped;
        this.reads = reads;
        this.clusters = clusters;
        this.quotas = quotas;
        this.plans = plans;
        this.json = json;
    }

    /** A queued job's position in its cluster and model's queue, and when it should start (null: not known). */
    record Estimate(long position, Instant startAt) {}

    /**
     * Where a QUEUED job stands: its position among the jobs of its cluster and model still waiting, in the order
     * the scheduling core looks at them (the oldest few of the jobs waiting over the aging threshold first, as many
     * as a cycle reserves for; then every other job smallest cards × maxRunSeconds first, a job's area counting half
     * for every area half-life it has waited; fair share between tenants is left out), and when it should start:
     * the queue ahead of it planned in that order on the model's nodes in service, each job at the earliest time it
     * fits on a node (or, a gang, on the whole free cards of all) for its maxRunSeconds ({@link #startsOnNodes}),
     * each on the nodes it may use: not a node another tenant's reservation holds, nor one kept for a window to come
     * that its run would reach into, unless it is SPOT (as the loop decides). An estimate: jobs that end early,
     * preemption, fair share, later smaller jobs and new reservations move it. A plan
     * made for a job further back in the last second answers it, unless the queue changed ({@link QueuePlans}).
     */
    Uni<Estimate> estimate(JobView r, Instant now) {
        long version = plans.version(r.clusterId());  // read first: a change after it keeps this plan out of QueuePlans
        return clusters.nodesInService(r.clusterId(), r.model()).chain(nodes -> plans.find(r.clusterId(), r.model(),
                        nodes, r.id(), now)
                .map(planned -> {
                    plans.counted(QueuePlans.How.REUSED);
                    return Uni.createFrom().item(new Estimate(planned.position(), planned.startAt().orElse(null)));
                })
                .orElseGet(() -> scoped.asPlatform(() -> plan(r, nodes, version, now))));
    }

    /**
     * The estimate planned anew: the queue ahead of the job read in the core's order and planned with it on the
     * model's nodes in service; the plan is kept ({@link QueuePlans}) for the views of the jobs ahead of it.
     */
    private Uni<Estimate> plan(JobView r, List<ClusterSupply.NodeInService> nodes, long version, Instant now) {
        long cardsMilli = r.cards().multiply(BigDecimal.valueOf(1000)).longValueExact();
        Uni<Instant> windowStart = r.reservationId() == null ? Uni.createFrom().nullItem()
                : reads.reservationStart(r.reservationId());
        // It may not start before its window, nor before its notBefore (eligibleAt, when that is to come).
        return windowStart.chain(window -> plan(r, new StartEstimate.Waiting(new StartEstimate.Need(cardsMilli,
                r.cpuMilli(), r.memoryMib()), r.maxRunSeconds(), r.sameBlock(), r.tenantId(),
                "SPOT".equals(r.jobClass()), window == null || window.isBefore(r.eligibleAt()) ? r.eligibleAt()
                        : window), cardsMilli, nodes, version, now));
    }

    private Uni<Estimate> plan(JobView r, StartEstimate.Waiting me, long cardsMilli,
            List<ClusterSupply.NodeInService> nodes, long version, Instant now) {
        return agedBefore(r.clusterId(), now).chain(agedBefore -> reads.queuedAhead(r.clusterId(), r.model(),
                        r.eligibleAt(), r.id(), cardsMilli * r.maxRunSeconds(),
                        new JobQueueRepository.Asking(r.tenantId(), r.priority()), SchedulerOptions.myriad().areaRate(),
                        agedBefore, SchedulerOptions.myriad().heads()))
                .chain(ahead -> {
                    List<JobQueueRepository.Queued> queue = new ArrayList<>(ahead);
                    queue.add(new JobQueueRepository.Queued(r.id(), me, r.reservationId(), r.projectId(), r.jobClass(),
                            r.arrayId()));
                    List<UUID> order = queue.stream().map(JobQueueRepository.Queued::id).toList();
                    return admittable(r.clusterId(), r.model(), queue, now)
                            .chain(waiting -> planQueue(r, nodes, version, order, waiting, now));
                });
    }

    /**
     * What is planned of {@code queue} (in the core's order, the job asked about last): each job with its earliest
     * start moved to when what the loop's admission counts has room for it: its reservation's cards
     * ({@link #roomed}), the card limits binding it ({@link #quotaRoomed}), its array's slots ({@link #arrayRoomed}).
     */
    private Uni<List<StartEstimate.Waiting>> admittable(UUID cluster, String model, List<JobQueueRepository.Queued> queue,
            Instant now) {
        List<StartEstimate.Waiting> waiting = queue.stream().map(JobQueueRepository.Queued::waiting).toList();
        List<UUID> reservations = queue.stream().map(JobQueueRepository.Queued::reservationId).toList();
        List<QuotaOwner> owners = queue.stream().map(q -> new QuotaOwner((UUID) q.waiting().tenant(), q.projectId(),
                q.jobClass())).toList();
        List<UUID> arrays = queue.stream().map(JobQueueRepository.Queued::arrayId).toList();
        return roomed(waiting, reservations, now)
                .chain(roomy -> quotaRoomed(cluster, model, roomy, owners, now))
                .chain(roomy -> arrayRoomed(roomy, arrays, now));
    }

    /** Plans {@code queue} (the job last) node by node, or pooled behind more than {@link #NODE_PLAN_LIMIT}; kept. */
    private Uni<Estimate> planQueue(JobView r, List<ClusterSupply.NodeInService> nodes, long version, List<UUID> order,
            List<StartEstimate.Waiting> queue, Instant now) {
        int position = queue.size();
        if (position - 1 > NODE_PLAN_LIMIT) {
            plans.counted(QueuePlans.How.POOLED);
            return pooledStarts(r.clusterId(), r.model(), queue, now).map(starts -> {
                plans.keepPooled(r.clusterId(), r.model(), version, nodes, order, starts, NODE_PLAN_LIMIT + 1, now);
                return new Estimate(position, starts.get(starts.size() - 1).orElse(null));
            });
        }
        plans.counted(QueuePlans.How.PLANNED);
        return startsOnNodes(r.clusterId(), r.model(), version, nodes, queue, now).map(starts -> {
            plans.keep(r.clusterId(), r.model(), version, nodes, order, starts, now);
            return new Estimate(position, starts.get(starts.size() - 1).orElse(null));
        });
    }

    /**
     * The queue with each RESERVED job's earliest start moved to when its reservation has room for it, as the loop
     * admits it ({@link ReservationRoom}); {@code reservationOf} gives each job's reservation, null for none.
     */
    private Uni<List<StartEstimate.Waiting>> roomed(List<StartEstimate.Waiting> queue, List<UUID> reservationOf,
            Instant now) {
        List<UUID> ids = reservationOf.stream().filter(java.util.Objects::nonNull).distinct().toList();
        if (ids.isEmpty()) {
            return Uni.createFrom().item(queue);
        }
        return reads.reservationUse(ids).map(rows -> {
            Map<UUID, Long> cards = new HashMap<>();
            Map<UUID, List<StartEstimate.Running>> running = new HashMap<>();
            for (Object[] row : rows) {
                UUID id = (UUID) row[0];
                cards.put(id, ((Number) row[1]).longValue());
                List<StartEstimate.Running> its = running.computeIfAbsent(id, k -> new ArrayList<>());
                if (row[2] != null) {
                    its.add(new StartEstimate.Running(((Number) row[2]).longValue(),
                            city.myriad.platform.db.SqlTimes.instant(row[3])));
                }
            }
            Map<UUID, ReservationRoom.Use> uses = new HashMap<>();
            cards.forEach((id, milli) -> uses.put(id, new ReservationRoom.Use(milli, running.get(id))));
            return ReservationRoom.apply(queue, reservationOf, uses, now);
        });
    }

    /**
     * The queue with each job of an array with {@code maxRunning} no earlier than its array has a free slot for it,
     * as the loop admits it ({@link ArrayRoom}); {@code arrayOf} gives each job's array, null for none.
     */
    private Uni<List<StartEstimate.Waiting>> arrayRoomed(List<StartEstimate.Waiting> queue, List<UUID> arrayOf,
            Instant now) {
        List<UUID> ids = arrayOf.stream().filter(java.util.Objects::nonNull).distinct().toList();
        if (ids.isEmpty()) {
            return Uni.createFrom().item(queue);
        }
        return reads.arrayUse(ids).map(rows -> {
            Map<UUID, Integer> limits = new HashMap<>();
            Map<UUID, List<Instant>> ends = new HashMap<>();
            for (Object[] row : rows) {
                UUID id = (UUID) row[0];
                limits.put(id, ((Number) row[1]).intValue());
                List<Instant> its = ends.computeIfAbsent(id, k -> new ArrayList<>());
                if (row[2] != null) {
                    its.add(city.myriad.platform.db.SqlTimes.instant(row[2]));
                }
            }
            Map<UUID, ArrayRoom.Use> uses = new HashMap<>();
            limits.forEach((id, most) -> uses.put(id, new ArrayRoom.Use(most, ends.get(id))));
            return ArrayRoom.apply(queue, arrayOf, uses, now);
        });
    }

    /** Whose card limits a queued job counts against, and in which class; no project (null): the tenant's only. */
    record QuotaOwner(UUID tenant, UUID project, String jobClass) {}

    /**
     * The queue with each job's earliest start moved to when the card limits of its tenant and project that bind it
     * have room for it, as the loop admits it ({@link QuotaRoom}); {@code owners} gives each job's. The limits are
     * read per tenant and project (cached, {@link QuotaLimits#of}); the runs counted against them only when some job
     * of the queue is bound by one.
     */
    Uni<List<StartEstimate.Waiting>> quotaRoomed(UUID cluster, String model, List<StartEstimate.Waiting> queue,
            List<QuotaOwner> owners, Instant now) {
        Map<QuotaOwner, List<QuotaRoom.Limit>> bindings = new HashMap<>();
        Uni<Void> read = Uni.createFrom().voidItem();
        for (QuotaOwner o : new java.util.LinkedHashSet<>(owners)) {
            read = read.chain(() -> quotas.of(o.tenant(), o.project() == null ? CardQuota.NO_PROJECT : o.project())
                    .invoke(limits -> bindings.put(o,
                    CardQuota.bindings(limits, cluster, model, JobClass.valueOf(o.jobClass()), false).stream()
                            .map(b -> new QuotaRoom.Limit(b.tenantWide() ? o.tenant() : o.project(),
                                    b.limit().priceClass(), b.limit().limit() * 1000L)).toList()))).replaceWithVoid();
        }
        return read.chain(() -> {
            List<List<QuotaRoom.Limit>> binding = owners.stream().map(bindings::get).toList();
            java.util.Set<UUID> bound = new java.util.HashSet<>();
            for (int i = 0; i < owners.size(); i++) {
                if (!binding.get(i).isEmpty()) {
                    bound.add(owners.get(i).tenant());
                }
            }
            if (bound.isEmpty()) {
                return Uni.createFrom().item(queue);
            }
            return reads.quotaRuns(cluster, model, bound).map(runs -> QuotaRoom.apply(queue, binding, runs, now));
        });
    }

    /**
     * The jobs of the cluster created at or before this instant have aged: the core's threshold, 6.25 hours or the
     * time the cluster's queue would take to drain on its cards, up to 18 hours ({@code SchedulerOptions.agingThreshold}).
     */
    Uni<Instant> agedBefore(UUID cluster, Instant now) {
        SchedulerOptions options = SchedulerOptions.myriad();
        return reads.queueDrain(cluster).map(d -> now.minusMillis(Math.round(1000
                * SchedulerOptions.agingThreshold(options.agingS(), options.agingCapS(), d[0], d[1]))));
    }

    /**
     * Above this many jobs ahead, a start estimate plays the queue on the model's cards taken together instead of node
     * by node: the node plan's cost grows with the queue (on 1,250 full nodes about 6 ms behind 100 jobs, 25 ms behind
     * 250, 130 ms behind 1,000: {@code StartEstimateBenchmark}), the pool's barely (0.1-0.3 ms), and in replays the
     * estimates behind more than 250 jobs were no better node by node.
     */
    static final int NODE_PLAN_LIMIT = 250;

    /**
     * When {@code job} should start behind {@code ahead}: the queue played node by node on the model's nodes in service
     * and what the running jobs hold on each ({@link StartEstimate#earliestOnNodes}), or, behind more than
     * {@link #NODE_PLAN_LIMIT} jobs, on their cards, CPU and memory taken together ({@link StartEstimate#earliest}).
     */
    Uni<java.util.Optional<Instant>> startAt(UUID cluster, String model, UUID project,
            List<JobQueueRepository.Queued> ahead, StartEstimate.Waiting job, Instant now) {
        List<JobQueueRepository.Queued> queue = new ArrayList<>(ahead);
        // A quote is never of a RESERVED job (it is paid by its reservation) nor of an array; it may name the job's
        // project: then its limits count beside the tenant's, else the tenant's only.
        queue.add(new JobQueueRepository.Queued(null, job, null, project, job.preemptible() ? JobClass.SPOT.name()
                : JobClass.ON_DEMAND.name(), null));
        return admittable(cluster, model, queue, now).chain(waiting -> startAt(cluster, model, waiting, now));
    }

    private Uni<java.util.Optional<Instant>> startAt(UUID cluster, String model, List<StartEstimate.Waiting> queue,
            Instant now) {
        if (queue.size() - 1 > NODE_PLAN_LIMIT) {
            return pooledStarts(cluster, model, queue, now).map(starts -> starts.get(starts.size() - 1));
        }
        long version = plans.version(cluster);
        return clusters.nodesInService(cluster, model)
                .chain(nodes -> startsOnNodes(cluster, model, version, nodes, queue, now))
                .map(starts -> starts.get(starts.size() - 1));
    }

    /**
     * Every job of {@code queue}'s start, the queue planned in its order on {@code nodes} around the running jobs (what
     * they hold as read in the last second with no change since, else read now: {@link QueuePlans#running}).
     */
    private Uni<List<java.util.Optional<Instant>>> startsOnNodes(UUID cluster, String model, long version,
            List<ClusterSupply.NodeInService> nodes, List<StartEstimate.Waiting> queue, Instant now) {
        Uni<QueuePlans.NodeLoad> running = plans.running(cluster, model, nodes)
                .map(load -> Uni.createFrom().item(load))
                .orElseGet(() -> reads.runningPlacements(cluster, model).chain(rows -> reads.reservedNodes(cluster)
                        .chain(held -> clusters.maintenanceOfNodes(cluster, now).map(windows -> {
                            QueuePlans.NodeLoad load = new QueuePlans.NodeLoad(RunningOnNodes.of(nodes, rows, json),
                                    RunningOnNodes.holds(nodes, held, windows, now));
                            plans.keepRunning(cluster, model, version, nodes, load);
                            return load;
                        }))));
        return running.map(load -> StartEstimate.startsOnNodes(RunningOnNodes.capacities(nodes),
                RunningOnNodes.blocks(nodes), load.placed(), load.holds(), queue, now));
    }

    /**
     * Every job of {@code queue}'s pooled start: the model's cards, CPU and memory in service taken together, around
     * the running jobs' holdings and declared ends (as read in the last second with no change since, else read now:
     * {@link QueuePlans#ends}).
     */
    private Uni<List<java.util.Optional<Instant>>> pooledStarts(UUID cluster, String model,
            List<StartEstimate.Waiting> queue, Instant now) {
        long version = plans.version(cluster);
        return clusters.nodeShapes(cluster, model).chain(nodes -> plans.ends(cluster, model, nodes)
                .map(ends -> Uni.createFrom().item(ends))
                .orElseGet(() -> reads.runningEnds(cluster, model).map(rows -> {
                    List<StartEstimate.Running> ends = rows.stream().map(x -> new StartEstimate.Running(
                            new StartEstimate.Need(((Number) x[0]).longValue(), ((Number) x[2]).longValue(),
                                    ((Number) x[3]).longValue()), city.myriad.platform.db.SqlTimes.instant(x[1])))
                            .toList();
                    plans.keepEnds(cluster, model, version, nodes, ends);
                    return ends;
                }))
                .map(ends -> StartEstimate.startsPooled(new StartEstimate.Need(
                        nodes.stream().mapToLong(n -> n.cards() * 1000L * n.nodes()).sum(),
                        nodes.stream().mapToLong(n -> n.cpuMilli() * n.nodes()).sum(),
                        nodes.stream().mapToLong(n -> n.memoryMib() * n.nodes()).sum()), ends, queue, now)));
    }
}
