package city.myriad.jobs.service;

import city.myriad.allocation.Admission;
import city.myriad.allocation.Decision;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Reservations;
import city.myriad.allocation.Resumption;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import city.myriad.catalog.service.ClusterNodes;
import city.myriad.catalog.service.ClusterNodes.NodeRef;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.ClusterFeedRepository.InboxEntry;
import city.myriad.jobs.repository.LoopStatements;
import city.myriad.market.service.JobPricing.ReservationRef;
import city.myriad.platform.db.PlainTx;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The single writer of one cluster: it owns the cluster's allocation core ({@link Scheduler}) and runs its cycles
 * on a thread of its own, woken by submissions and events and at least every {@link #TICK}. A cycle:
 * <ol>
 *   <li>takes the inbox (what the API and the agents changed) and brings the core in line with the database;</li>
 *   <li>every few seconds, or when nodes changed, reloads node states and the reservations in their window, and
 *       applies them as holds (a reservation holds whole nodes of its model; nodes not in service hold nothing);
 *       jobs on a node that went down end (SPOT: requeued; others: FAILED), credited;</li>
 *   <li>stops runs past their maxRunSeconds (FAILED, TIME_LIMIT);</li>
 *   <li>asks the core for decisions and commits them all in one transaction, fenced by the leader epoch; the
 *       agents then see them as assignments.</li>
 * </ol>
 * The database is the truth: a write that finds the job moved by someone else changes nothing and the job is
 * reconciled at the next cycle; a cycle that fails to commit throws the core away and rebuilds it from the
 * database ({@link Scheduler#resume}), so a restart or a failover loses no job and never starts one twice.
 */
final class ClusterLoop implements Runnable {

    private static final Logger LOG = Logger.getLogger(ClusterLoop.class);
    static final Duration TICK = Duration.ofMillis(250);
    /**
     * The least time from one cycle's start to the next: a cycle costs two transactions whatever it decides, and one
     * cycle for the submissions of 20 ms costs the database far less than one per submission, for at most 20 ms more
     * of decision latency.
     */
    static final Duration GAP = Duration.ofMillis(20);
    /** How often reservations are reloaded (their windows open and close with the clock). */
    static final Duration REFRESH = Duration.ofSeconds(2);
    /** How often node states are reloaded when no event announced a change (an operator may set them directly). */
    static final Duration NODES_REFRESH = Duration.ofSeconds(10);

    /** The leader epoch moved on: another replica schedules this cluster now. */
    static final class LostLeadership extends RuntimeException {
        LostLeadership(UUID cluster) {
            super("Another replica schedules cluster " + cluster + " now", null, false, false);
        }
    }

    /** The cluster's nodes changed (an inventory import): the core is rebuilt on the new topology. */
    static final class TopologyChanged extends RuntimeException {
        TopologyChanged() {
            super("topology changed", null, false, false);
        }
    }

    /** One job as the loop tracks it. */
    private static final class Tracked {
        JobRow row;
        city.myriad.allocation.Job core;
        boolean running;
        /** The last admission said its start would be borrowed (beyond a class-less limit, on idle capacity). */
        boolean borrowNext;
        /** Whether its start this cycle was counted as borrowed (Admission.started). */
        boolean countedBorrowed;
        String refusal;
        /** It waits out of the core for cards out of service to come back (reason CARDS_OUT). */
        boolean forRepair;
        /** While it runs: when its time limit passes (its key in {@code limitsDue}); null otherwise. */
        Instant limitAt;
        /** The stored placement last read, and what it read as: read once per placement, not once per report. */
        private String placementRead;
        private JobPlacement placement;

        Tracked(JobRow row) {
            this.row = row;
        }
    }

    /** A write the cycle will commit, and what to do once committed. */
    private sealed interface Write permits Start, EndRun, EndQueued, WaitReason {}

    private record Start(Tracked t, String placement, boolean borrowed) implements Write {}

    /** {@code resubmit}: a requeued job goes back into the core once the write is committed. */
    private record EndRun(Tracked t, JobRuns.RunEnd end, boolean resubmit) implements Write {}

    private record EndQueued(Tracked t, JobState to, String reason) implements Write {}

    private record WaitReason(Tracked t, String reason) implements Write {}

    private final UUID clusterId;
    private final long epoch;
    private final LoopParts parts;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopped;
    private volatile Thread thread;

    private Instant origin;
    private Topology topology;
    /**
     * The cluster's whole hardware, every card in service, while some card is out (null while none is): a job the
     * core (built on the cards in service) rejects, or one of a model whose every card is out, waits for the repair
     * instead of failing, unless this hardware could never run it either.
     */
    private Topology hardware;
    private Map<String, Integer> nodeIndex;
    private List<NodeRef> nodeRefs;
    /** The cluster's maintenance windows not over, read with the nodes. */
    private List<ClusterNodes.MaintenanceRef> maintenanceRefs = List.of();
    /** The nodes the core was built on, by node index: a node read since as other hardware makes it stale. */
    private List<NodeRef> builtFrom;
    /** Per node index: its block's name, as when the core was built. */
    private String[] blockOf;
    private Scheduler scheduler;
    private final Map<UUID, Tracked> byId = new HashMap<>();
    /** The tracked jobs that do not run (in arrival order): what a cycle's admission and wait reasons look at. */
    private final Set<Tracked> waiting = new LinkedHashSet<>();
    /** Running jobs by when their time limit passes: a cycle reads only those due, not every job it tracks. */
    private final TreeSet<Tracked> limitsDue = new TreeSet<>(
            Comparator.comparing((Tracked t) -> t.limitAt).thenComparing(t -> t.row.id()));
    private final Map<Integer, Tracked> byCore = new HashMap<>();
    private final Map<UUID, Integer> tenants = new HashMap<>();
    private int nextCoreId;
    private final Set<UUID> reconcile = new HashSet<>();
    /** Jobs the core cannot hold: a run on nodes that no longer exist, a job of a model the cluster lost. */
    private final List<Tracked> orphans = new ArrayList<>();
    /** Running jobs found at a rebuild on a card taken out of service since: the next cycle ends them (CARD_DOWN). */
    private final List<Tracked> onCardsOut = new ArrayList<>();
    private ReservationHolds holds;
    /** Reservations of tracked RESERVED jobs found closed by the last refresh: their jobs end this cycle. */
    private Set<UUID> closedReservations = Set.of();
    private StoredPlacements placements;
    private final LoopAdmission admission;
    private Set<String> down = Set.of();
    /** The nodes in a maintenance window now, as of the last refresh: what still runs there is stopped. */
    private Set<String> maintained = Set.of();
    /** The nodes, by index in the core, in a maintenance window now and with one to come (set at each refresh). */
    private int[] inWindow = new int[0];
    private int[] toCome = new int[0];
    /** The topology the core was built on no longer matches the cluster's nodes. */
    private boolean stale;
    private boolean rebuilding;
    private Instant refreshedAt = Instant.EPOCH;
    private Instant nodesAt = Instant.EPOCH;
    /** The usage last reported to the catalog. */
    private Map<String, Map<String, Long>> reported;
    private boolean nodesChanged;
    /** The holds last given to the core: the same ones again would only throw away its memos. */
    private ReservationHolds.Holds appliedHolds;
    /** The reservations' shortfalls as last written (null: not since the core was built, so written at once). */
    private Map<UUID, Integer> shortWritten;
    /**
     * Whether the core knows the running jobs: not during a rebuild's first refresh, whose holds would count none of
     * the cards others' work takes, so its shortfalls are not written (they would end and start again).
     */
    private boolean runningKnown;
    /** The reservations' nodes as last written (null: not since the core was built). */
    private List<LoopStatements.ReservedNode> reservedWritten;
    /** Per node index of the core: the node's name. */
    private String[] nodeNames = new String[0];

    ClusterLoop(UUID clusterId, long epoch, LoopParts parts) {
        this.clusterId = clusterId;
        this.epoch = epoch;
        this.parts = parts;
        this.admission = new LoopAdmission(clusterId, (tenant, project) -> parts.await(() -> parts.quotas.of(tenant,
                project)), array -> parts.await(() -> parts.scoped.asPlatform(() -> parts.arrays.maxRunning(array))));
    }

    UUID clusterId() {
        return clusterId;
    }

    long epoch() {
        return epoch;
    }

    void wake() {
        wake.release();
    }

    void stop() {
        stopped = true;
        wake.release();
    }

    boolean stopped() {
        return stopped;
    }

    /** Waits until the loop's thread has ended. */
    void join(Duration atMost) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(atMost.toMillis());
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        LoopGauges.Figures figures = parts.gauges.begin(clusterId);
        try {
            loop(figures);
        } finally {
            parts.gauges.end(clusterId, figures);
        }
    }

    private void loop(LoopGauges.Figures figures) {
        int failedInARow = 0;
        while (!stopped) {
            try {
                rebuild();
                while (!stopped) {
                    long started = System.nanoTime();
                    cycle();
                    failedInARow = 0;
                    figures.update(scheduler, holds.shortCards());
                    wake.tryAcquire(TICK.toMillis(), TimeUnit.MILLISECONDS);
                    // Under a stream of submissions, wakes within GAP of a cycle's start are taken by one cycle.
                    long rest = GAP.toNanos() - (System.nanoTime() - started);
                    if (rest > 0) {
                        TimeUnit.NANOSECONDS.sleep(rest);
                    }
                    wake.drainPermits();
                }
            } catch (TopologyChanged e) {
                LOG.infof("Cluster %s: its nodes changed; rebuilding its scheduler", clusterId);
            } catch (LostLeadership e) {
                LOG.infof("%s", e.getMessage());
                stopped = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            } catch (RuntimeException e) {
                if (stopped) {
                    break;
                }
                // A failure that comes back after every rebuild (a row the loop cannot handle) must not hammer the
                // database and the log: the wait doubles from 1 s to at most a minute, and a cycle that commits resets
                // it. The counter is the operator's alarm.
                failedInARow++;
                parts.cycleFailures(clusterId).increment();
                Duration backoff = Duration.ofSeconds(Math.min(60, 1L << Math.min(failedInARow - 1, 6)));
                LOG.errorf(e, "Scheduling cycle of cluster %s failed (%d in a row); rebuilding its scheduler from the "
                        + "database in %s", clusterId, failedInARow, backoff);
                backOff(backoff);
            }
        }
    }

    /** Builds the core afresh from the database: the topology, then running jobs resumed, queued jobs submitted. */
    private void rebuild() {
        stale = false;
        byId.clear();
        waiting.clear();
        limitsDue.clear();
        byCore.clear();
        admission.clearRunning();
        reconcile.clear();
        orphans.clear();
        onCardsOut.clear();
        origin = parts.clock.instant();
        nodeRefs = parts.await(() -> parts.nodes.of(clusterId));
        maintenanceRefs = parts.await(() -> parts.nodes.maintenance(clusterId, origin));
        builtFrom = nodeRefs;
        nodesAt = origin;
        Topology.Builder b = Topology.builder();
        nodeIndex = new HashMap<>();
        inWindow = new int[0];  // by the old core's indexes: read again at the refresh
        toCome = new int[0];
        int[][] cardsOf = new int[nodeRefs.size()][];
        Map<String, List<Integer>> cardsOut = new HashMap<>();
        for (NodeRef n : nodeRefs) {
            int i = nodeIndex.size();
            nodeIndex.put(n.name(), i);
            // The core is given the node's cards in service only, numbered from 0 (StoredPlacements maps them back);
            // a node whose every card is out is given none, as a node without cards.
            cardsOf[i] = n.cardsInService();
            if (!n.cardsOut().isEmpty()) {
                cardsOut.put(n.name(), n.cardsOut());
            }
            b.node(n.name(), cardsOf[i].length == 0 ? null : n.model(), cardsOf[i].length,
                    Math.max(n.cpuMilli(), 1), Math.max(n.memoryMib(), 1), n.rack(), n.block());
        }
        topology = b.build();
        hardware = cardsOut.isEmpty() ? null : hardwareOf(nodeRefs, topology);
        blockOf = nodeRefs.stream().map(NodeRef::block).toArray(String[]::new);
        nodeNames = nodeRefs.stream().map(NodeRef::name).toArray(String[]::new);
        reservedWritten = null;
        holds = new ReservationHolds(topology, blockOf);
        placements = new StoredPlacements(topology, nodeIndex, cardsOf, parts.json);
        scheduler = new Scheduler(topology, new FragmentationAwarePolicy(), SchedulerOptions.myriad())
                .withAdmission(new Admission() {
                    @Override
                    public Verdict check(city.myriad.allocation.Job job, double nowS) {
                        return admit(job, nowS);
                    }

                    @Override
                    public void started(city.myriad.allocation.Job job, double nowS) {
                        Tracked t = byCore.get(job.id());
                        t.countedBorrowed = t.borrowNext;
                        t.borrowNext = false;
                        admission.count(t.row, +1, t.countedBorrowed);
                    }

                    @Override
                    public void takenBack(city.myriad.allocation.Job job) {
                        Tracked t = byCore.get(job.id());
                        admission.count(t.row, -1, t.countedBorrowed);
                    }
                });
        appliedHolds = null;
        shortWritten = null;
        // What is in the inbox now is in the rows read next: drop it first, so nothing is applied twice. But a change
        // to the nodes or their maintenance windows posted since they were read above (a window scheduled while this
        // rebuild ran) is in no row read next: the refresh below reads them again, or the loop would place work on a
        // node its window is about to take until the next timed read (NODES_REFRESH).
        if (drain(1_000_000, parts.clock.instant()).stream().anyMatch(e -> "NODES".equals(e.kind()))) {
            nodesChanged = true;
        }
        List<JobRow> live = parts.await(() -> parts.scoped.asPlatform(() -> parts.jobs.live(clusterId)));
        rebuilding = true;
        runningKnown = false;
        reported = null;
        refresh(parts.clock.instant());
        for (JobRow row : live) {
            Tracked t = track(row);
            if (row.state() == JobState.RUNNING) {
                if (t.core == null) {
                    if (!orphans.contains(t)) {
                        onCardsOut.add(t);  // every card of its model is out: its run ends CARD_DOWN
                    }
                    continue;  // else its model is gone: track made it an orphan
                }
                if (placements.onCardOut(row.placement(), cardsOut)) {
                    onCardsOut.add(t);  // a card of its was taken out of service: the next cycle ends it
                    continue;
                }
                Placement p = placements.of(t.core, row.placement());
                if (p == null) {
                    orphans.add(t);  // its nodes are gone: the next cycle ends it
                    continue;
                }
                Resumption resumed = scheduler.resume(p, seconds(row.startedAt()));
                if (resumed instanceof Resumption.Refused refused) {
                    // Its nodes are there but its cards are not (re-imported with fewer cards, or of another model):
                    // its run is over, as on a node that went down. Resuming it anyway would
                    // corrupt the core, and the failure would come back at every rebuild and stop the whole cluster.
                    LOG.warnf("Cluster %s: running job %s no longer fits its nodes (%s); it ends as on a node down",
                            clusterId, row.id(), refused.why());
                    orphans.add(t);
                    continue;
                }
                if (resumed instanceof Resumption.Squeezed squeezed) {
                    LOG.warnf("Cluster %s: running job %s runs on with less CPU or memory than it took (%s); its "
                            + "node takes no more CPU or memory work until it frees", clusterId, row.id(),
                            squeezed.why());
                }
                runs(t);
                limitFrom(t);
                count(t, +1);
            } else {
                submit(t);
            }
        }
        // The holds are chosen again now that the running jobs are known: a reservation prefers the nodes least busy
        // with other tenants' work, so it finds again the nodes its own jobs run on (ReservationHolds).
        holds = new ReservationHolds(topology, blockOf);
        appliedHolds = null;
        runningKnown = true;
        refresh(parts.clock.instant());
        rebuilding = false;
        reportUsage();
        LOG.infof("Scheduler of cluster %s (epoch %d) resumed: %d nodes, %d running, %d queued", clusterId, epoch,
                topology.nodes(), scheduler.running(), scheduler.pending());
    }

    private void cycle() {
        Instant now = parts.clock.instant();
        List<Write> writes = new ArrayList<>();
        // 1. the inbox, and jobs whose last write found them moved: taken and read in one transaction
        Set<UUID> again = new HashSet<>(reconcile);
        reconcile.clear();
        Taken taken = take(5000, again, now);
        for (InboxEntry e : taken.inbox()) {
            if ("NODES".equals(e.kind())) {
                nodesChanged = true;
            }
        }
        taken.rows().forEach(this::reconcile);
        // 2. nodes and reservations
        if (nodesChanged || Duration.between(refreshedAt, now).compareTo(REFRESH) >= 0) {
            refresh(now);
            nodesChanged = false;
            endRunsOnNodesOut(writes);
        }
        endJobsOfClosedReservations(writes);
        if (stale) {
            throw new TopologyChanged();
        }
        for (Tracked t : orphans) {
            if (t.row.state() == JobState.RUNNING) {
                // As on a node down; a job whose model is gone (no core job) can never run again: it fails.
                JobState to = t.core == null ? JobState.FAILED : afterInfrastructureEnd(t);
                writes.add(new EndRun(t, new JobRuns.RunEnd(to, Reasons.NODE_DOWN, true, true, false),
                        to == JobState.PREEMPTED));
            } else {
                writes.add(new EndQueued(t, JobState.FAILED, Reasons.NEVER_FITS + ": NO_ALLOWED_MODEL"));
            }
        }
        orphans.clear();
        // Runs on a card taken out of service end as on a node down: SPOT requeued, the others FAILED, both credited.
        for (Tracked t : onCardsOut) {
            if (t.row.state() == JobState.RUNNING) {
                JobState to = afterInfrastructureEnd(t);
                writes.add(new EndRun(t, new JobRuns.RunEnd(to, Reasons.CARD_DOWN, true, true, false),
                        to == JobState.PREEMPTED));
            }
        }
        onCardsOut.clear();
        // 3. time limits
        while (!limitsDue.isEmpty() && !now.isBefore(limitsDue.first().limitAt)) {
            Tracked t = limitsDue.first();
            finish(t);
            writes.add(new EndRun(t, new JobRuns.RunEnd(JobState.FAILED, Reasons.TIME_LIMIT, false, true, false),
                    false));
        }
        // Admission reads the clock after the take: a job submitted since this cycle began has an eligibleAt later
        // than the cycle's now, and must not be told NOT_BEFORE for a notBefore it never asked for.
        Instant admittedAt = latest(now);
        admission.loadLimits(() -> waiting.stream().map(t -> t.row).iterator(), admittedAt);
        // 4. the core's decisions
        waiting.forEach(t -> t.refusal = null);
        for (Decision d : scheduler.cycle(seconds(now))) {
            if (d instanceof Decision.Start s) {
                started(s.placement(), writes);
            } else if (d instanceof Decision.Preempt p) {
                // The core has put the victim back in its queue already.
                Tracked t = byCore.get(p.victim().job().id());
                stops(t);
                count(t, -1);
                writes.add(new EndRun(t, new JobRuns.RunEnd(JobState.PREEMPTED, Reasons.PREEMPTED, true, true, false),
                        false));
            } else if (d instanceof Decision.Reject r) {
                Tracked t = byCore.get(r.job().id());
                if (fitsTheHardware(r.job())) {
                    // Only cards out of service keep it out (a node's, the largest, or a block's): it waits for
                    // their repair, QUEUED (CARDS_OUT), out of the core until the rebuild that brings a card back.
                    t.forRepair = true;
                    continue;
                }
                writes.add(new EndQueued(t, JobState.FAILED, Reasons.NEVER_FITS + ": " + r.reason()));
            }
        }
        maintenanceAnswers.clear();
        for (Tracked t : waiting) {
            if (t.row.state() == JobState.QUEUED) {
                // A job the scan did not reach (a deep queue) is refused nothing: one whose notBefore is still to
                // come waits for that, not for cards.
                String reason = t.refusal != null ? t.refusal : t.row.eligibleAt().isAfter(admittedAt)
                        ? Reasons.NOT_BEFORE : t.forRepair ? Reasons.CARDS_OUT : blockBound(t) ? Reasons.BLOCK
                        : keptOffByMaintenance(t) ? Reasons.MAINTENANCE : Reasons.CAPACITY;
                if (!reason.equals(t.row.reason()) && !startedNow(writes, t)) {
                    writes.add(new WaitReason(t, reason));
                }
            }
        }
        // Stamped at the admission's time, not the cycle's start: a job whose notBefore came between the two was
        // admitted as eligible, and must not be recorded as started before its notBefore.
        commit(writes, admittedAt);
    }

    /**
     * Takes inbox entries, fenced like a commit: a replica that is no longer the leader takes nothing (the entries
     * are the new leader's to apply) and stops.
     */
    private List<InboxEntry> drain(int limit, Instant now) {
        return take(limit, Set.of(), now).inbox();
    }

    /** What a cycle takes: the inbox entries, and the rows of the jobs they (and {@code again}) name. */
    private record Taken(List<InboxEntry> inbox, List<JobRow> rows) {}

    private Taken take(int limit, Set<UUID> again, Instant now) {
        // The lease check and the take are sent together; a replica that lost the lease rolls its take back.
        return parts.own.platform(c -> PlainTx.pipelined(fenced(c, now), () -> parts.statements.drain(c, clusterId,
                        limit))
                .chain(inbox -> {
                    Set<UUID> ids = new HashSet<>(again);
                    inbox.stream().filter(e -> e.jobId() != null).forEach(e -> ids.add(e.jobId()));
                    return parts.statements.byIds(c, ids).map(rows -> new Taken(inbox, rows));
                }));
    }

    /** Renews the lease on {@code c}; fails the transaction with {@link LostLeadership} if another replica has it. */
    private Uni<Void> fenced(SqlConnection c, Instant now) {
        return parts.statements.stillLeader(c, clusterId, epoch, now).invoke(leader -> {
            if (!leader) {
                throw new LostLeadership(clusterId);
            }
        }).replaceWithVoid();
    }

    /** The clock now, or {@code cycleStart} if the clock reads earlier (it may step back). */
    private Instant latest(Instant cycleStart) {
        Instant at = parts.clock.instant();
        return at.isAfter(cycleStart) ? at : cycleStart;
    }

    private static boolean startedNow(List<Write> writes, Tracked t) {
        return writes.stream().anyMatch(w -> w instanceof Start s && s.t() == t);
    }

    /** Commits the cycle's writes in one transaction, fenced by the epoch; then updates what the loop knows. */
    private void commit(List<Write> writes, Instant now) {
        if (writes.isEmpty()) {
            return;
        }
        // Starts and wait reasons go in one statement each (a cycle may start thousands of jobs); the rarer ends
        // (preemptions, time limits, rejections, node failures) one by one through JobRuns.
        List<Start> starts = new ArrayList<>();
        List<WaitReason> reasons = new ArrayList<>();
        List<Write> others = new ArrayList<>();
        for (Write w : writes) {
            if (w instanceof Start s) {
                starts.add(s);
            } else if (w instanceof WaitReason r) {
                reasons.add(r);
            } else {
                others.add(w);
            }
        }
        // A start holds only if the job is still as the decision saw it: QUEUED at that attempt, eligible from that
        // time (a patch that moved its notBefore meanwhile wins, and the loop reads the job again).
        String startBatch = batch(starts.stream().map(s -> Map.<String, Object>of("id", s.t().row.id(), "attempt",
                s.t().row.attempt(), "placement", s.placement(), "borrowed", s.borrowed(), "eligibleAt",
                s.t().row.eligibleAt().toString())).toList());
        String reasonBatch = batch(reasons.stream().map(r -> Map.<String, Object>of("id", r.t().row.id(), "reason",
                r.reason())).toList());
        record Outcome(Set<UUID> started, List<JobRow> others) {}
        Outcome outcome;
        if (others.isEmpty()) {
            // The common cycle: starts and wait reasons only, two statements on the loops' own pool.
            // The lease check and the writes are sent together (pipelined); without the lease, all roll back.
            outcome = parts.own.platform(c -> PlainTx.pipelined(fenced(c, now), () -> {
                Uni<List<UUID>> started = starts.isEmpty() ? Uni.createFrom().item(List.<UUID>of())
                        : parts.statements.startAll(c, startBatch, now);
                Uni<Void> waiting = reasons.isEmpty() ? Uni.createFrom().voidItem()
                        : parts.statements.waitReasons(c, reasonBatch);
                return Uni.combine().all().unis(started, waiting)
                        .with((ids, ignored) -> new Outcome(new HashSet<>(ids), List.of()));
            }));
        } else {
            // Ends of runs go through JobRuns (Hibernate): the whole cycle commits in that one transaction.
            outcome = parts.await(() -> parts.scoped.asPlatform(() -> parts.feed.stillLeader(clusterId, epoch, now)
                    .chain(leader -> {
                        if (!leader) {
                            throw new LostLeadership(clusterId);
                        }
                        Uni<List<JobRow>> all = Uni.createFrom().item(new ArrayList<>());
                        for (Write w : others) {
                            all = all.chain(list -> write(w, now).map(r -> {
                                list.add(r);
                                return list;
                            }));
                        }
                        return all;
                    })
                    .chain(ended -> (starts.isEmpty() ? Uni.createFrom().item(List.<UUID>of())
                            : parts.runs.startAll(startBatch, now))
                            .call(() -> reasons.isEmpty() ? Uni.createFrom().voidItem()
                                    : parts.jobs.waitReasons(reasonBatch))
                            .map(started -> new Outcome(new HashSet<>(started), ended)))));
        }
        Instant committed = parts.clock.instant();
        if (!starts.isEmpty() || !others.isEmpty()) {
            parts.plans.changed(clusterId);  // the queue and the running jobs moved: plans made on them are stale
        }
        parts.cycles(clusterId).record(Duration.between(now, committed));
        var decisions = parts.decisions(clusterId);
        for (Start s : starts) {
            Tracked t = s.t();
            if (!outcome.started().contains(t.row.id())) {
                reconcile.add(t.row.id());  // someone else moved it first: read it again next cycle
                continue;
            }
            t.row = t.row.run(JobState.RUNNING, Reasons.SCHEDULED, t.row.attempt() + 1, s.placement(), now, null,
                    t.row.chargedMinor(), t.row.creditedMinor(), s.borrowed(), now);
            limitFrom(t);
            if (t.row.attempt() == 1) {
                decisions.record(Duration.between(t.row.eligibleAt(), committed));
            }
        }
        for (WaitReason r : reasons) {
            r.t().row = r.t().row.waitingFor(r.reason());
        }
        for (int i = 0; i < others.size(); i++) {
            Write w = others.get(i);
            JobRow after = outcome.others().get(i);
            Tracked t = tracked(w);
            if (after == null) {
                reconcile.add(t.row.id());
                continue;
            }
            t.row = after;
            if (after.state().ended()) {
                untrack(t);
            } else if (w instanceof EndRun e && e.resubmit()) {
                submit(t);
            }
        }
    }

    private String batch(List<Map<String, Object>> rows) {
        try {
            return parts.json.writeValueAsString(rows);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Tracked tracked(Write w) {
        return w instanceof EndRun e ? e.t() : ((EndQueued) w).t();
    }

    /** One end, through JobRuns (starts and wait reasons are written in bulk by {@link #commit}). */
    private Uni<JobRow> write(Write w, Instant now) {
        if (w instanceof EndRun e) {
            return parts.runs.endRun(e.t().row, e.end(), now);
        }
        EndQueued q = (EndQueued) w;
        return parts.runs.endQueued(q.t().row, q.to(), q.reason(), now, false);
    }

    private void started(Placement p, List<Write> writes) {
        Tracked t = byCore.get(p.job().id());
        runs(t);
        // Admission counted it when the core decided it (Admission.started), so later checks of the cycle saw it.
        writes.add(new Start(t, placements.write(p), t.countedBorrowed));
    }

    /**
     * Whether free cards in a maintenance window, or kept for one the job would run into, are all it lacks. Asked once
     * per cycle and shape ({@code maintenanceAnswers}, cleared before a cycle's wait reasons): a deep queue has few
     * shapes.
     */
    private boolean keptOffByMaintenance(Tracked t) {
        if (t.core == null || inWindow.length == 0 && toCome.length == 0) {
            return false;
        }
        city.myriad.allocation.Job j = t.core;
        return maintenanceAnswers.computeIfAbsent(new Shape(j.tenant(), j.durationS(), j.gpus(), j.gpuMilli(),
                j.allowedModels(), j.cpuMilli(), j.memoryMib(), j.preemptible()),
                k -> scheduler.keptOffByMaintenance(j, inWindow, toCome));
    }

    /** What {@code Scheduler.keptOffByMaintenance} reads of a job. */
    private record Shape(int tenant, double durationS, int gpus, int gpuMilli, long allowedModels, long cpuMilli,
            long memoryMib, boolean preemptible) {}

    private final Map<Shape, Boolean> maintenanceAnswers = new HashMap<>();

    /** A gang across nodes that asked for one block: the core places it inside one block or it waits. */
    private boolean blockBound(Tracked t) {
        return t.row.sameBlock() && t.core != null
                && t.core.gpus() > topology.maxCardsOnOneNode(t.core.allowedModels());
    }

    /** Brings the core in line with a job's row as stored. */
    private void reconcile(JobRow row) {
        Tracked t = byId.get(row.id());
        switch (row.state()) {
            case QUEUED -> {
                if (t != null && !t.running && t.core != null && (!row.eligibleAt().equals(t.row.eligibleAt())
                        || row.maxRunSeconds() != t.row.maxRunSeconds() || row.priority() != t.row.priority())) {
                    // Its notBefore, time limit or priority changed (updateJob): the core takes it again as it is now.
                    scheduler.withdraw(t.core);
                    untrack(t);
                    t = null;
                }
                if (t == null) {
                    t = track(row);
                    submit(t);
                    return;
                }
                if (t.running) {  // requeued outside the loop (its node went down)
                    finish(t);
                    t.row = row;
                    submit(t);
                }
                t.row = row;
            }
            case RUNNING -> {
                if (t != null) {
                    t.row = row;
                    limitFrom(t);
                }
            }
            default -> {
                if (t != null) {
                    if (t.running) {
                        finish(t);
                    } else if (t.core != null) {
                        scheduler.withdraw(t.core);
                    }
                    untrack(t);
                }
            }
        }
    }

    /**
     * The topology of the nodes with every card in service, as the core would be built with none out, its models
     * numbered as the core's {@code core} numbers them (a job's allowed models are a mask of those numbers): a node of
     * each of the core's models first, in the core's order, then the others; a model whose every card is out comes
     * after them. Null if they cannot be numbered alike.
     */
    static Topology hardwareOf(List<NodeRef> nodes, Topology core) {
        List<NodeRef> ordered = new ArrayList<>(nodes.size());
        Set<NodeRef> first = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (String model : core.models()) {
            nodes.stream().filter(n -> n.cards() > 0 && model.equals(n.model() == null ? "" : n.model())
                    && n.cardsInService().length > 0).findFirst().ifPresent(n -> {
                        ordered.add(n);
                        first.add(n);
                    });
        }
        nodes.stream().filter(n -> !first.contains(n)).forEach(ordered::add);
        Topology.Builder b = Topology.builder();
        for (NodeRef n : ordered) {
            b.node(n.name(), n.cards() == 0 ? null : n.model(), n.cards(), Math.max(n.cpuMilli(), 1),
                    Math.max(n.memoryMib(), 1), n.rack(), n.block());
        }
        Topology hardware = b.build();
        if (!hardware.models().subList(0, core.models().size()).equals(core.models())) {
            // Not expected (the core numbers its models as its nodes first show them); rather than stop the cluster's
            // scheduling, its waiting jobs are judged on the cards in service alone, as before.
            LOG.errorf("The hardware's models %s do not begin with the core's %s; jobs that only cards out of service "
                    + "keep out are judged without them", hardware.models(), core.models());
            return null;
        }
        return hardware;
    }

    /**
     * Puts a tracked job in the core's queue, unless it waits for cards out of service: one of a model whose every card
     * is out (no core job: see {@link #track}), or one that belongs on one node of the hardware (its cards, at most
     * the largest node's of its models) while no such node has that many in service: the core, built on the cards in
     * service, would spread it over nodes. Either waits QUEUED (CARDS_OUT) for the rebuild a card's return brings.
     */
    private void submit(Tracked t) {
        city.myriad.allocation.Job j = t.core;
        if (j == null) {
            t.forRepair = !orphans.contains(t);  // an orphan's model is gone for good: it fails this cycle
            return;
        }
        if (hardware != null && j.gpus() > topology.maxCardsOnOneNode(j.allowedModels())
                && j.gpus() <= hardware.maxCardsOnOneNode(j.allowedModels())) {
            t.forRepair = true;
            return;
        }
        scheduler.submit(j);
    }

    /**
     * Whether a job the core rejected would fit the cluster with its cards out of service back (it then waits for
     * them: the loop rebuilds its core when a card comes back, and submits it again).
     */
    private boolean fitsTheHardware(city.myriad.allocation.Job job) {
        return hardware != null && Scheduler.neverFits(hardware, job) == null;
    }

    private Tracked track(JobRow row) {
        Tracked t = new Tracked(row);
        byId.put(row.id(), t);
        waiting.add(t);

        int modelId = topology.models().indexOf(row.model());
        if (modelId < 0 && hardware != null && hardware.models().contains(row.model())) {
            // Every card of its model is out of service: it waits for one back (no core job until the rebuild that
            // brings it), as a job the core rejects that the whole hardware would hold.
            return t;
        }
        if (modelId < 0) {
            if (rebuilding) {
                orphans.add(t);  // the cluster no longer has this model at all: the job fails
            } else {
                stale = true;  // the API sells only models the cluster has: the core predates the nodes' import
            }
            return t;
        }
        int id = nextCoreId++;
        int tenant = tenantIndex(row.tenantId());
        boolean whole = row.cardsMilli() >= 1000;
        t.core = city.myriad.allocation.Job.of(id).tenant(tenant).submittedAt(seconds(row.eligibleAt()))
                .runsFor(row.maxRunSeconds()).cards(whole ? row.cardsMilli() / 1000 : 1)
                .milliPerCard(whole ? 1000 : row.cardsMilli()).models(1L << modelId)
                .cpu(row.cpuMilli()).memory(row.memoryMib())
                .priority(row.jobClass() == JobClass.RESERVED ? 1 : 0).tenantPriority(row.priority())
                .preemptible(row.jobClass().preemptible())
                .oneBlock(row.sameBlock()).build();
        byCore.put(id, t);
        return t;
    }

    /** A tenant's index in the core, given in the order tenants are first seen. */
    private int tenantIndex(UUID tenant) {
        return tenants.computeIfAbsent(tenant, k -> tenants.size());
    }

    private void untrack(Tracked t) {
        unlimit(t);
        waiting.remove(t);
        byId.remove(t.row.id());
        if (t.core != null) {
            byCore.remove(t.core.id());
        }
    }

    /**
     * RESERVED jobs whose reservation closed (cancelled before it began, or its window ended), as the last refresh
     * found them: a queued one can never start and fails; a running one stops, as a reservation's jobs stop at its
     * end in Slurm (its run was free, paid by the reservation, and the cards are no longer the tenant's). Both with
     * reason {@code RESERVATION_ENDED}, within a refresh ({@link #REFRESH}) of the close.
     */
    private void endJobsOfClosedReservations(List<Write> writes) {
        if (closedReservations.isEmpty()) {
            return;
        }
        for (Tracked t : new ArrayList<>(byId.values())) {
            if (t.row.jobClass() != JobClass.RESERVED || !closedReservations.contains(t.row.reservationId())) {
                continue;
            }
            if (t.running) {
                finish(t);
                writes.add(new EndRun(t, new JobRuns.RunEnd(JobState.FAILED, Reasons.RESERVATION_ENDED, false, true,
                        false), false));
            } else if (t.row.state() == JobState.QUEUED && t.core != null) {
                scheduler.withdraw(t.core);
                writes.add(new EndQueued(t, JobState.FAILED, Reasons.RESERVATION_ENDED));
            }
        }
        closedReservations = Set.of();  // a write that finds the job moved reads it again; the next refresh looks again
    }

    /** The core lets go of a running job's cards; ended before its declared time, its unused share is refunded. */
    private void finish(Tracked t) {
        scheduler.finished(t.core, seconds(parts.clock.instant()));
        stops(t);
        count(t, -1);
    }

    private void runs(Tracked t) {
        t.running = true;
        waiting.remove(t);
    }

    private void stops(Tracked t) {
        t.running = false;
        unlimit(t);
        waiting.add(t);
    }

    /** A running job's time limit, from its row's start (again after the row changed). */
    private void limitFrom(Tracked t) {
        unlimit(t);
        if (t.running && t.row.startedAt() != null) {
            t.limitAt = t.row.startedAt().plusSeconds(t.row.maxRunSeconds());
            limitsDue.add(t);
        }
    }

    private void unlimit(Tracked t) {
        if (t.limitAt != null) {
            limitsDue.remove(t);
            t.limitAt = null;
        }
    }

    private void count(Tracked t, int sign) {
        admission.count(t.row, sign, t.row.borrowed());
    }

    /** The core's admission ({@link LoopAdmission}); a refusal is the job's wait reason, a borrowed start marked. */
    private Admission.Verdict admit(city.myriad.allocation.Job job, double nowS) {
        Tracked t = byCore.get(job.id());
        LoopAdmission.Verdict v = admission.admit(t.row);
        if (!v.admitted()) {
            t.refusal = v.refusal();
            return Admission.Verdict.QUOTA_EXCEEDED;
        }
        t.borrowNext = v.borrowed();
        return Admission.Verdict.ADMIT;
    }

    /**
     * A HELD job (held by its tenant, or waiting for other jobs) of a reservation that will never open again can never
     * start: it ends as a QUEUED one does, FAILED with reason {@code RESERVATION_ENDED}, in one transaction fenced by
     * the epoch. Its dependents are settled as after any end.
     */
    private void endHeldOfClosedReservations(List<UUID> heldFor, Instant now) {
        List<UUID> closed = heldFor.stream().filter(closedReservations::contains).toList();
        if (closed.isEmpty()) {
            return;
        }
        // Apart from the cycle: a failure here is logged and tried again at the next refresh, never a rebuild.
        try {
            endHeld(closed, now);
        } catch (LostLeadership e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf(e, "Ending the held jobs of closed reservations %s of cluster %s failed; tried again at the next "
                    + "refresh", closed, clusterId);
        }
    }

    private void endHeld(List<UUID> closed, Instant now) {
        parts.await(() -> parts.scoped.asPlatform(() -> parts.feed.stillLeader(clusterId, epoch, now)
                .chain(leader -> {
                    if (!leader) {
                        throw new LostLeadership(clusterId);
                    }
                    return parts.jobs.lockHeld(clusterId, closed);
                })
                .chain(held -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (JobRow j : held) {
                        all = all.chain(() -> parts.runs.endQueued(j, JobState.FAILED, Reasons.RESERVATION_ENDED,
                                now, false).replaceWithVoid());
                    }
                    return all;
                })));
    }

    /** Reloads node states and the reservations in their window, and applies them to the core as holds. */
    private void refresh(Instant now) {
        if (nodesDue(now)) {
            nodeRefs = parts.await(() -> parts.nodes.of(clusterId));
            maintenanceRefs = parts.await(() -> parts.nodes.maintenance(clusterId, now));
            nodesAt = now;
            // Nodes added or removed, or a node re-imported as other hardware (fewer cards after a card failed, less
            // CPU, another model, moved to another rack): the core is built again on the nodes as they are.
            if (nodeRefs.size() != topology.nodes() || nodeRefs.stream().anyMatch(n -> {
                Integer i = nodeIndex.get(n.name());
                return i == null || !n.sameHardware(builtFrom.get(i));
            })) {
                stale = true;
            }
        }
        Set<String> nowDown = new HashSet<>();
        int[] holder = new int[topology.nodes()];
        java.util.Arrays.fill(holder, Reservations.NONE);
        for (NodeRef n : nodeRefs) {
            Integer i = nodeIndex.get(n.name());
            if (i == null) {
                continue;  // a node added since the core was built: taken in at the next rebuild
            }
            if (!n.inService()) {
                holder[i] = Reservations.OUT_OF_SERVICE;
            }
            if (n.down()) {
                nowDown.add(n.name());
            }
        }
        down = nowDown;
        // Maintenance: a node in a window now takes nothing (and what runs there is stopped); one whose window is to
        // come takes only jobs declared to end by its start (ReservationHolds marks it for the core).
        Set<String> nowMaintained = new HashSet<>();
        Instant[] maintenanceFrom = new Instant[topology.nodes()];
        for (ClusterNodes.MaintenanceRef m : maintenanceRefs) {
            if (!m.endsAt().isAfter(now)) {
                continue;
            }
            for (String name : m.nodes()) {
                Integer i = nodeIndex.get(name);
                if (i == null) {
                    continue;
                }
                if (!m.startAt().isAfter(now)) {
                    holder[i] = Reservations.OUT_OF_SERVICE;
                    nowMaintained.add(name);
                } else if (maintenanceFrom[i] == null || m.startAt().isBefore(maintenanceFrom[i])) {
                    maintenanceFrom[i] = m.startAt();
                }
            }
        }
        maintained = nowMaintained;
        inWindow = nowMaintained.stream().mapToInt(nodeIndex::get).toArray();
        toCome = java.util.stream.IntStream.range(0, maintenanceFrom.length).filter(i -> maintenanceFrom[i] != null)
                .toArray();
        List<ReservationRef> open = new ArrayList<>();
        List<ReservationRef> upcoming = new ArrayList<>();
        for (ReservationRef r : parts.await(() -> parts.pricing.active(clusterId, now, now.plus(parts.lookahead)))) {
            (r.startAt().isAfter(now) ? upcoming : open).add(r);
        }
        Map<UUID, ReservationRef> openById = new LinkedHashMap<>();
        open.forEach(r -> openById.put(r.id(), r));
        admission.openReservations(openById);
        admission.suspendedTenants(parts.await(parts.tenants::suspended));
        Set<UUID> notOpen = new HashSet<>();
        for (Tracked t : byId.values()) {
            if (t.row.jobClass() == JobClass.RESERVED && t.row.reservationId() != null
                    && !openById.containsKey(t.row.reservationId())) {
                notOpen.add(t.row.reservationId());
            }
        }
        // HELD jobs are in no queue the loop keeps: the reservations they wait for are read from the table.
        List<UUID> heldFor = parts.await(() -> parts.scoped.asPlatform(() -> parts.jobs.heldReservations(clusterId)));
        heldFor.stream().filter(id -> !openById.containsKey(id)).forEach(notOpen::add);
        closedReservations = notOpen.isEmpty() ? Set.of()
                : parts.await(() -> parts.pricing.closed(clusterId, notOpen, now));
        endHeldOfClosedReservations(heldFor, now);
        ReservationHolds.Holds given = holds.hold(holder, maintenanceFrom, open, upcoming, this::tenantIndex,
                this::seconds, new ReservationHolds.Work() {
                    @Override
                    public long[] othersMilli(int tenant, double fromS) {
                        return scheduler.othersNonPreemptibleMilli(tenant, fromS);
                    }

                    @Override
                    public int[] othersCards(int tenant) {
                        return scheduler.othersNonPreemptibleCards(tenant);
                    }

                    @Override
                    public boolean[] runsJobsOf(int tenant) {
                        return scheduler.runsJobsOf(tenant);
                    }
                });
        writeShortfalls(now);
        writeReservedNodes(now);
        // Applying holds forgets the core's memos (shapes that do not fit, kept reservations): only on a change.
        if (!given.equals(appliedHolds)) {
            scheduler.withReservations(given);
            appliedHolds = given;
        }
        refreshedAt = now;
        if (!rebuilding) {
            reportUsage();
        }
    }

    /**
     * Records which reservations are short of cards, when that changed (billing credits the card time not delivered):
     * in its own transaction, fenced like a cycle's commit, so only the leader writes it.
     */
    private void writeShortfalls(Instant now) {
        Map<UUID, Integer> shortBy = holds.shortBy();
        // Nodes added or removed since the core was built: its holds are of the old nodes (a cluster's first loop
        // may have none yet), and the rebuild that follows computes them again.
        if (stale || !runningKnown || shortBy.equals(shortWritten)) {
            return;
        }
        parts.own.platform(c -> PlainTx.pipelined(fenced(c, now), () -> parts.statements.syncShortfalls(c, clusterId,
                shortBy, now)));
        shortWritten = shortBy;
    }

    /**
     * Records which nodes each reservation holds or keeps for its window (what its tenant reads), when that changed:
     * fenced like the shortfalls, and, like them, only once the core knows the running jobs.
     */
    private void writeReservedNodes(Instant now) {
        if (stale || !runningKnown) {
            return;
        }
        List<LoopStatements.ReservedNode> nodes = holds.assigned().stream()
                .map(a -> new LoopStatements.ReservedNode(nodeNames[a.node()], a.kept() ? "KEPT" : "HELD",
                        a.reservationId()))
                .toList();
        if (nodes.equals(reservedWritten)) {
            return;
        }
        parts.own.platform(c -> PlainTx.pipelined(fenced(c, now), () -> parts.statements.syncReservedNodes(c,
                clusterId, nodes, now)));
        reservedWritten = nodes;
    }

    /** Tells the catalog what runs now, per model and block, when it changed since the last report. */
    private void reportUsage() {
        Map<String, Map<String, Long>> usage = new java.util.TreeMap<>();
        for (Tracked t : byId.values()) {
            JobPlacement p = t.running ? placement(t) : null;
            if (p == null) {
                continue;
            }
            for (JobPlacement.NodeCards n : p.nodes()) {
                Integer i = nodeIndex.get(n.node());
                if (i != null) {
                    usage.computeIfAbsent(t.row.model(), m -> new java.util.TreeMap<>())
                            .merge(blockOf[i], (long) n.cards().size() * p.shareMilli(), Long::sum);
                }
            }
        }
        if (!usage.equals(reported)) {
            parts.await(() -> parts.nodes.reportUsage(clusterId, usage));
            reported = usage;
        }
    }

    private boolean nodesDue(Instant now) {
        return nodesChanged || Duration.between(nodesAt, now).compareTo(NODES_REFRESH) >= 0;
    }

    /**
     * Runs on nodes that are down, or in a maintenance window, end: SPOT requeued, the others FAILED (reason
     * {@code NODE_DOWN} or {@code MAINTENANCE}); both credited for the lost run.
     */
    private void endRunsOnNodesOut(List<Write> writes) {
        if (down.isEmpty() && maintained.isEmpty()) {
            return;
        }
        for (Tracked t : List.copyOf(byId.values())) {
            if (!t.running) {
                continue;
            }
            JobPlacement p = placement(t);
            if (p == null) {
                continue;
            }
            String reason = p.nodes().stream().anyMatch(n -> down.contains(n.node())) ? Reasons.NODE_DOWN
                    : p.nodes().stream().anyMatch(n -> maintained.contains(n.node())) ? Reasons.MAINTENANCE : null;
            if (reason != null) {
                finish(t);
                JobState to = afterInfrastructureEnd(t);
                writes.add(new EndRun(t, new JobRuns.RunEnd(to, reason, true, true, false), to == JobState.PREEMPTED));
            }
        }
    }

    /**
     * Where a run the infrastructure ended (its node down or gone, a card of its out, its node's maintenance) takes the
     * job: back to the queue (PREEMPTED, then QUEUED) for SPOT work and for a job with requeues left (createJob's
     * maxRequeues; JobRuns counts one used), FAILED otherwise.
     */
    private static JobState afterInfrastructureEnd(Tracked t) {
        return t.row.jobClass().preemptible() || t.row.requeuesLeft() > 0 ? JobState.PREEMPTED : JobState.FAILED;
    }

    private double seconds(Instant at) {
        return Duration.between(origin, at).toMillis() / 1000.0;
    }

    /** The tracked job's stored placement, read once for each placement it is given. */
    private JobPlacement placement(Tracked t) {
        String stored = t.row.placement();
        if (!java.util.Objects.equals(stored, t.placementRead)) {
            t.placement = placements.read(stored);
            t.placementRead = stored;
        }
        return t.placement;
    }

    /** Waits {@code d}, in steps of at most a second so that a stop ends the wait (a wake does not). */
    private void backOff(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        for (long left = d.toNanos(); !stopped && left > 0; left = end - System.nanoTime()) {
            sleepQuietly(Duration.ofNanos(Math.min(left, Duration.ofSeconds(1).toNanos())));
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
