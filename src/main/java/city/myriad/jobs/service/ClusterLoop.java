package city.myriad.jobs.service;

import city.myriad.allocation.Admission;
import city.myriad.allocation.Decision;
import city.myriad.allocation.FragmentationAwarePolicy;
import city.myriad.allocation.Placement;
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
import city.myriad.jobs.service.CycleWrites.EndQueued;
import city.myriad.jobs.service.CycleWrites.EndRun;
import city.myriad.jobs.service.CycleWrites.Outcome;
import city.myriad.jobs.service.CycleWrites.Start;
import city.myriad.jobs.service.CycleWrites.WaitReason;
import city.myriad.jobs.service.CycleWrites.Write;
import city.myriad.jobs.service.TrackedJobs.Tracked;
import city.myriad.market.service.JobPricing.ReservationRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private final UUID clusterId;
    private final long epoch;
    private final LoopParts parts;
    private final LeaderWrites writer;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopped;
    private volatile Thread thread;

    private Instant origin;
    /** The nodes as last read (each refresh may read them again). */
    private List<NodeRef> nodeRefs;
    /** The cluster's maintenance windows not over, read with the nodes. */
    private List<ClusterNodes.MaintenanceRef> maintenanceRefs = List.of();
    /** The nodes the core was built on. */
    private LoopTopology built;
    private Scheduler scheduler;
    private final TrackedJobs tracked = new TrackedJobs();
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
    /** The nodes' states and maintenance windows as of the last refresh, by the core's node indexes. */
    private NodeStates states = NodeStates.none();
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

    ClusterLoop(UUID clusterId, long epoch, LoopParts parts) {
        this.clusterId = clusterId;
        this.epoch = epoch;
        this.parts = parts;
        this.writer = new LeaderWrites(clusterId, epoch, parts);
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
        tracked.clear();
        admission.clearRunning();
        reconcile.clear();
        orphans.clear();
        onCardsOut.clear();
        origin = parts.clock.instant();
        nodeRefs = parts.await(() -> parts.nodes.of(clusterId));
        maintenanceRefs = parts.await(() -> parts.nodes.maintenance(clusterId, origin));
        nodesAt = origin;
        built = LoopTopology.of(nodeRefs);
        states = NodeStates.none();  // by the old core's indexes: read again at the refresh
        reservedWritten = null;
        holds = new ReservationHolds(built.core(), built.blocks());
        placements = new StoredPlacements(built.core(), built.indexes(), built.cardsInService(), parts.json);
        scheduler = new Scheduler(built.core(), new FragmentationAwarePolicy(), SchedulerOptions.myriad())
                .withAdmission(new Admission() {
                    @Override
                    public Verdict check(city.myriad.allocation.Job job, double nowS) {
                        return admit(job, nowS);
                    }

                    @Override
                    public void started(city.myriad.allocation.Job job, double nowS) {
                        Tracked t = tracked.ofCore(job.id());
                        t.countedBorrowed = t.borrowNext;
                        t.borrowNext = false;
                        admission.count(t.row, +1, t.countedBorrowed);
                    }

                    @Override
                    public void takenBack(city.myriad.allocation.Job job) {
                        Tracked t = tracked.ofCore(job.id());
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
                if (placements.onCardOut(row.placement(), built.cardsOut())) {
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
                tracked.runs(t);
                tracked.limitFrom(t);
                count(t, +1);
            } else {
                submit(t);
            }
        }
        // The holds are chosen again now that the running jobs are known: a reservation prefers the nodes least busy
        // with other tenants' work, so it finds again the nodes its own jobs run on (ReservationHolds).
        holds = new ReservationHolds(built.core(), built.blocks());
        appliedHolds = null;
        runningKnown = true;
        refresh(parts.clock.instant());
        rebuilding = false;
        reportUsage();
        LOG.infof("Scheduler of cluster %s (epoch %d) resumed: %d nodes, %d running, %d queued", clusterId, epoch,
                built.core().nodes(), scheduler.running(), scheduler.pending());
    }

    private void cycle() {
        Instant now = parts.clock.instant();
        CycleWrites writes = new CycleWrites();
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
        for (Tracked t = tracked.firstPastLimit(now); t != null; t = tracked.firstPastLimit(now)) {
            finish(t);
            writes.add(new EndRun(t, new JobRuns.RunEnd(JobState.FAILED, Reasons.TIME_LIMIT, false, true, false),
                    false));
        }
        // Admission reads the clock after the take: a job submitted since this cycle began has an eligibleAt later
        // than the cycle's now, and must not be told NOT_BEFORE for a notBefore it never asked for.
        Instant admittedAt = latest(now);
        admission.loadLimits(() -> tracked.waiting().stream().map(t -> t.row).iterator(), admittedAt);
        // 4. the core's decisions
        tracked.waiting().forEach(t -> t.refusal = null);
        for (Decision d : scheduler.cycle(seconds(now))) {
            if (d instanceof Decision.Start s) {
                started(s.placement(), writes);
            } else if (d instanceof Decision.Preempt p) {
                // The core has put the victim back in its queue already.
                Tracked t = tracked.ofCore(p.victim().job().id());
                tracked.stops(t);
                count(t, -1);
                writes.add(new EndRun(t, new JobRuns.RunEnd(JobState.PREEMPTED, Reasons.PREEMPTED, true, true, false),
                        false));
            } else if (d instanceof Decision.Reject r) {
                Tracked t = tracked.ofCore(r.job().id());
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
        for (Tracked t : tracked.waiting()) {
            if (t.row.state() == JobState.QUEUED) {
                // A job the scan did not reach (a deep queue) is refused nothing: one whose notBefore is still to
                // come waits for that, not for cards.
                String reason = t.refusal != null ? t.refusal : t.row.eligibleAt().isAfter(admittedAt)
                        ? Reasons.NOT_BEFORE : t.forRepair ? Reasons.CARDS_OUT : blockBound(t) ? Reasons.BLOCK
                        : keptOffByMaintenance(t) ? Reasons.MAINTENANCE : Reasons.CAPACITY;
                if (!reason.equals(t.row.reason()) && !writes.starts(t)) {
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
        return writer.fenced(now, c -> parts.statements.drain(c, clusterId, limit).chain(inbox -> {
            Set<UUID> ids = new HashSet<>(again);
            inbox.stream().filter(e -> e.jobId() != null).forEach(e -> ids.add(e.jobId()));
            return parts.statements.byIds(c, ids).map(rows -> new Taken(inbox, rows));
        }));
    }

    /** The clock now, or {@code cycleStart} if the clock reads earlier (it may step back). */
    private Instant latest(Instant cycleStart) {
        Instant at = parts.clock.instant();
        return at.isAfter(cycleStart) ? at : cycleStart;
    }

    /** Commits the cycle's writes ({@link LeaderWrites#commit}); then updates what the loop knows. */
    private void commit(CycleWrites writes, Instant now) {
        if (writes.isEmpty()) {
            return;
        }
        Outcome outcome = writer.commit(writes, now);
        Instant committed = parts.clock.instant();
        if (!writes.starts().isEmpty() || !writes.ends().isEmpty()) {
            parts.plans.changed(clusterId);  // the queue and the running jobs moved: plans made on them are stale
        }
        parts.cycles(clusterId).record(Duration.between(now, committed));
        var decisions = parts.decisions(clusterId);
        for (Start s : writes.starts()) {
            Tracked t = s.t();
            if (!outcome.started().contains(t.row.id())) {
                reconcile.add(t.row.id());  // someone else moved it first: read it again next cycle
                continue;
            }
            t.row = t.row.run(JobState.RUNNING, Reasons.SCHEDULED, t.row.attempt() + 1, s.placement(), now, null,
                    t.row.chargedMinor(), t.row.creditedMinor(), s.borrowed(), now);
            tracked.limitFrom(t);
            if (t.row.attempt() == 1) {
                decisions.record(Duration.between(t.row.eligibleAt(), committed));
            }
        }
        for (WaitReason r : writes.reasons()) {
            r.t().row = r.t().row.waitingFor(r.reason());
        }
        for (int i = 0; i < writes.ends().size(); i++) {
            Write w = writes.ends().get(i);
            JobRow after = outcome.ended().get(i);
            Tracked t = w.t();
            if (after == null) {
                reconcile.add(t.row.id());
                continue;
            }
            t.row = after;
            if (after.state().ended()) {
                tracked.untrack(t);
            } else if (w instanceof EndRun e && e.resubmit()) {
                submit(t);
            }
        }
    }

    private void started(Placement p, CycleWrites writes) {
        Tracked t = tracked.ofCore(p.job().id());
        tracked.runs(t);
        // Admission counted it when the core decided it (Admission.started), so later checks of the cycle saw it.
        writes.add(new Start(t, placements.write(p), t.countedBorrowed));
    }

    /**
     * Whether free cards in a maintenance window, or kept for one the job would run into, are all it lacks. Asked once
     * per cycle and shape ({@code maintenanceAnswers}, cleared before a cycle's wait reasons): a deep queue has few
     * shapes.
     */
    private boolean keptOffByMaintenance(Tracked t) {
        if (t.core == null || states.noWindows()) {
            return false;
        }
        city.myriad.allocation.Job j = t.core;
        return maintenanceAnswers.computeIfAbsent(new Shape(j.tenant(), j.durationS(), j.gpus(), j.gpuMilli(),
                j.allowedModels(), j.cpuMilli(), j.memoryMib(), j.preemptible()),
                k -> scheduler.keptOffByMaintenance(j, states.inWindow(), states.toCome()));
    }

    /** What {@code Scheduler.keptOffByMaintenance} reads of a job. */
    private record Shape(int tenant, double durationS, int gpus, int gpuMilli, long allowedModels, long cpuMilli,
            long memoryMib, boolean preemptible) {}

    private final Map<Shape, Boolean> maintenanceAnswers = new HashMap<>();

    /** A gang across nodes that asked for one block: the core places it inside one block or it waits. */
    private boolean blockBound(Tracked t) {
        return t.row.sameBlock() && t.core != null
                && t.core.gpus() > built.core().maxCardsOnOneNode(t.core.allowedModels());
    }

    /** Brings the core in line with a job's row as stored. */
    private void reconcile(JobRow row) {
        Tracked t = tracked.get(row.id());
        switch (row.state()) {
            case QUEUED -> {
                if (t != null && !t.running && t.core != null && (!row.eligibleAt().equals(t.row.eligibleAt())
                        || row.maxRunSeconds() != t.row.maxRunSeconds() || row.priority() != t.row.priority())) {
                    // Its notBefore, time limit or priority changed (updateJob): the core takes it again as it is now.
                    scheduler.withdraw(t.core);
                    tracked.untrack(t);
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
                    tracked.limitFrom(t);
                }
            }
            default -> {
                if (t != null) {
                    if (t.running) {
                        finish(t);
                    } else if (t.core != null) {
                        scheduler.withdraw(t.core);
                    }
                    tracked.untrack(t);
                }
            }
        }
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
        Topology hardware = built.hardware();
        if (hardware != null && j.gpus() > built.core().maxCardsOnOneNode(j.allowedModels())
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
        return built.hardware() != null && Scheduler.neverFits(built.hardware(), job) == null;
    }

    private Tracked track(JobRow row) {
        Tracked t = tracked.track(row);
        int modelId = built.core().models().indexOf(row.model());
        if (modelId < 0 && built.hardware() != null && built.hardware().models().contains(row.model())) {
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
        int id = tracked.nextCoreId();
        int tenant = tracked.tenantIndex(row.tenantId());
        boolean whole = row.cardsMilli() >= 1000;
        tracked.bind(t, city.myriad.allocation.Job.of(id).tenant(tenant).submittedAt(seconds(row.eligibleAt()))
                .runsFor(row.maxRunSeconds()).cards(whole ? row.cardsMilli() / 1000 : 1)
                .milliPerCard(whole ? 1000 : row.cardsMilli()).models(1L << modelId)
                .cpu(row.cpuMilli()).memory(row.memoryMib())
                .priority(row.jobClass() == JobClass.RESERVED ? 1 : 0).tenantPriority(row.priority())
                .preemptible(row.jobClass().preemptible())
                .oneBlock(row.sameBlock()).build());
        return t;
    }

    /**
     * RESERVED jobs whose reservation closed (cancelled before it began, or its window ended), as the last refresh
     * found them: a queued one can never start and fails; a running one stops, as a reservation's jobs stop at its
     * end in Slurm (its run was free, paid by the reservation, and the cards are no longer the tenant's). Both with
     * reason {@code RESERVATION_ENDED}, within a refresh ({@link #REFRESH}) of the close.
     */
    private void endJobsOfClosedReservations(CycleWrites writes) {
        if (closedReservations.isEmpty()) {
            return;
        }
        for (Tracked t : new ArrayList<>(tracked.all())) {
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
        tracked.stops(t);
        count(t, -1);
    }

    private void count(Tracked t, int sign) {
        admission.count(t.row, sign, t.row.borrowed());
    }

    /** The core's admission ({@link LoopAdmission}); a refusal is the job's wait reason, a borrowed start marked. */
    private Admission.Verdict admit(city.myriad.allocation.Job job, double nowS) {
        Tracked t = tracked.ofCore(job.id());
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
            writer.endHeld(closed, now);
        } catch (LostLeadership e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf(e, "Ending the held jobs of closed reservations %s of cluster %s failed; tried again at the next "
                    + "refresh", closed, clusterId);
        }
    }

    /** Reloads node states and the reservations in their window, and applies them to the core as holds. */
    private void refresh(Instant now) {
        if (nodesDue(now)) {
            nodeRefs = parts.await(() -> parts.nodes.of(clusterId));
            maintenanceRefs = parts.await(() -> parts.nodes.maintenance(clusterId, now));
            nodesAt = now;
            // Nodes added or removed, or a node re-imported as other hardware: the core is built again on the nodes
            // as they are.
            if (!built.builtOn(nodeRefs)) {
                stale = true;
            }
        }
        states = NodeStates.of(built, nodeRefs, maintenanceRefs, now);
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
        for (Tracked t : tracked.all()) {
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
        ReservationHolds.Holds given = holds.hold(states.holders(), states.windowsToCome(), open, upcoming,
                tracked::tenantIndex, this::seconds, new ReservationHolds.Work() {
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
        writer.fenced(now, c -> parts.statements.syncShortfalls(c, clusterId, shortBy, now));
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
                .map(a -> new LoopStatements.ReservedNode(built.core().nodeName(a.node()), a.kept() ? "KEPT" : "HELD",
                        a.reservationId()))
                .toList();
        if (nodes.equals(reservedWritten)) {
            return;
        }
        writer.fenced(now, c -> parts.statements.syncReservedNodes(c, clusterId, nodes, now));
        reservedWritten = nodes;
    }

    /** Tells the catalog what runs now, per model and block, when it changed since the last report. */
    private void reportUsage() {
        Map<String, Map<String, Long>> usage = new java.util.TreeMap<>();
        for (Tracked t : tracked.all()) {
            JobPlacement p = t.running ? placement(t) : null;
            if (p == null) {
                continue;
            }
            for (JobPlacement.NodeCards n : p.nodes()) {
                Integer i = built.indexOf(n.node());
                if (i != null) {
                    usage.computeIfAbsent(t.row.model(), m -> new java.util.TreeMap<>())
                            .merge(built.blockOf(i), (long) n.cards().size() * p.shareMilli(), Long::sum);
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
    private void endRunsOnNodesOut(CycleWrites writes) {
        if (!states.anyOut()) {
            return;
        }
        for (Tracked t : List.copyOf(tracked.all())) {
            if (!t.running) {
                continue;
            }
            JobPlacement p = placement(t);
            if (p == null) {
                continue;
            }
            String reason = p.nodes().stream().anyMatch(n -> states.down().contains(n.node())) ? Reasons.NODE_DOWN
                    : p.nodes().stream().anyMatch(n -> states.maintained().contains(n.node())) ? Reasons.MAINTENANCE
                    : null;
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
        return t.placement(placements::read);
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
