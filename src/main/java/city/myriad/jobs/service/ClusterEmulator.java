package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.jobs.mapping.JobsApi.AssignmentView;
import city.myriad.metering.service.UsageIngestion;
import city.myriad.jobs.mapping.JobsApi.ClusterEvent;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.work.Rounds;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Plays the agents of every cluster, so that the whole loop runs without hardware: it pulls each cluster's open
 * assignments, reports each START as JOB_STARTED, and reports JOB_SUCCEEDED when the job's maxRunSeconds divided
 * by the speed-up have passed (a 600-second job ends 10 s after it starts at a speed-up of 60); it acknowledges a
 * STOP with JOB_STOPPED and forgets the run. It goes through the same service as the agents' HTTP routes. The
 * first time it sees a cluster it takes over the runs already going on there (after a restart of the service).
 *
 * <p>Off unless {@code myriad.emulator.enabled=true}: {@code bin/myriad-dev} and the tests turn it on; a
 * production deployment never does. The speed-up is {@code myriad.emulator.speedup} (MYRIAD_EMULATOR_SPEEDUP).
 */
@ApplicationScoped
public class ClusterEmulator {

    private static final Logger LOG = Logger.getLogger(ClusterEmulator.class);

    private final ClusterAgentService agents;
    private final UsageIngestion usage;
    private final ClusterSupply clusters;
    private final LoopParts parts;
    private final Clock clock;
    private final boolean enabled;
    private final double speedup;
    private final Duration poll;
    /** Runs started and not yet reported ended: job/attempt -> when the emulator ends it. */
    private final Map<String, Ending> running = new ConcurrentHashMap<>();
    /** The seq of the last assignment handled, per cluster. */
    private final Map<UUID, Long> seen = new HashMap<>();
    private final Map<UUID, Boolean> hung = new ConcurrentHashMap<>();
    /** Whether ended runs are also reported as usage events (off in the tests that post their own). */
    private volatile boolean usageEvents;
    private Rounds rounds;

    /** A run the emulator will end at {@code at}; {@code placement} null for a run taken over after a restart. */
    private record Ending(UUID clusterId, UUID jobId, int attempt, Instant at, Instant startedAt,
            List<city.myriad.jobs.mapping.JobsApi.NodeCards> placement, Integer shareMilli) {}

    ClusterEmulator(ClusterAgentService agents, UsageIngestion usage, ClusterSupply clusters, LoopParts parts, Clock clock,
            @ConfigProperty(name = "myriad.emulator.enabled", defaultValue = "false") boolean enabled,
            @ConfigProperty(name = "myriad.emulator.speedup", defaultValue = "60") double speedup,
            @ConfigProperty(name = "myriad.emulator.poll", defaultValue = "PT0.2S") Duration poll,
            @ConfigProperty(name = "myriad.emulator.usage-events", defaultValue = "true") boolean usageEvents) {
        this.usageEvents = usageEvents;
        this.agents = agents;
        this.usage = usage;
        this.clusters = clusters;
        this.parts = parts;
        this.clock = clock;
        this.enabled = enabled;
        if (!(speedup > 0)) {
            throw new IllegalArgumentException("myriad.emulator.speedup must be positive");
        }
        this.speedup = speedup;
        this.poll = poll;
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        rounds = Rounds.start("myriad-cluster-emulator", poll, this::round, LOG, parts.meters);
        LOG.infof("Cluster emulator on: every cluster's agents are played, speed-up %.0f", speedup);
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /** Tests: whether the runs that end are also reported as usage events, one per node. */
    public void reportUsage(boolean on) {
        usageEvents = on;
    }

    /** Tests: the emulator starts this job's runs but never reports their end (a hung job). */
    public void hang(UUID jobId) {
        hung.put(jobId, true);
    }

    /** One round: every cluster's new assignments handled, then the runs due to end reported ended. */
    private void round() {
        for (ClusterSupply.ClusterRef c : parts.await(clusters::all)) {
            pull(c.id());
        }
        endDue();
    }

    private void pull(UUID clusterId) {
        if (!seen.containsKey(clusterId)) {
            adopt(clusterId);
        }
        long after = seen.getOrDefault(clusterId, 0L);
        List<AssignmentView> open = parts.await(() -> agents.open(clusterId,
                PageRequest.internal(after == 0 ? null : Long.toString(after), 500))).items();
        List<ClusterEvent> events = new ArrayList<>();
        Instant now = clock.instant();
        for (AssignmentView a : open) {
            String run = a.jobId() + "/" + a.attempt();
            if (a.action().equals(JobRuns.START)) {
                long millis = (long) Math.ceil(a.maxRunSeconds() * 1000.0 / speedup);
                running.put(run, new Ending(clusterId, a.jobId(), a.attempt(), now.plusMillis(millis), a.createdAt(),
                        a.placement(), a.shareMilli()));
                events.add(event("emu-start-" + run, "JOB_STARTED", a.jobId(), a.attempt(), now));
            } else {
                running.remove(run);
                events.add(event("emu-stop-" + run + "-" + a.seq(), "JOB_STOPPED", a.jobId(), a.attempt(), now));
            }
            seen.put(clusterId, a.seq());
        }
        if (!events.isEmpty()) {
            parts.await(() -> agents.apply(clusterId, events));
        }
    }

    /**
     * The first time it sees a cluster, the emulator takes over the runs already going on there (as agents that
     * reconnect would): each ends maxRunSeconds / speed-up after it started, or now if that has passed. So a run
     * started before a restart of the service still ends, instead of hanging until its time limit.
     */
    private void adopt(UUID clusterId) {
        Instant now = clock.instant();
        for (ClusterAgentService.Run r : parts.await(() -> agents.runs(clusterId))) {
            Instant end = r.startedAt().plusMillis((long) Math.ceil(r.maxRunSeconds() * 1000.0 / speedup));
            running.putIfAbsent(r.jobId() + "/" + r.attempt(),
                    new Ending(clusterId, r.jobId(), r.attempt(), end.isBefore(now) ? now : end, r.startedAt(), null,
                            null));
        }
        seen.put(clusterId, 0L);
    }

    private void endDue() {
        Instant now = clock.instant();
        Map<UUID, List<ClusterEvent>> byCluster = new HashMap<>();
        List<UsageIngestion.Measured> measured = new ArrayList<>();
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Ending end = e.getValue();
            if (!now.isBefore(end.at()) && !hung.containsKey(end.jobId())) {
                byCluster.computeIfAbsent(end.clusterId(), k -> new ArrayList<>()).add(event("emu-end-" + e.getKey(),
                        "JOB_SUCCEEDED", end.jobId(), end.attempt(), now));
                if (usageEvents) {
                    measured.addAll(measured(e.getKey(), end, now));
                }
                it.remove();
            }
        }
        byCluster.forEach((cluster, events) -> parts.await(() -> agents.apply(cluster, events)));
        if (!measured.isEmpty()) {
            parts.await(() -> usage.fromEmulator(measured));
        }
    }

    /**
     * As an agent measures a run that ended: one usage event per node, its cards from start to end, with how busy they
     * were and the energy they drew. The emulator's cards are busy 60.0-97.9% of the time, the same for every run of a
     * job (from its id), and draw {@value #IDLE_WATTS} W idle plus {@value #BUSY_WATTS} W at full use, as a 400 W card
     * does: figures for the dev start to show, not measurements.
     */
    private static List<UsageIngestion.Measured> measured(String run, Ending end, Instant now) {
        if (end.placement() == null || end.startedAt() == null) {
            return List.of();
        }
        int share = end.shareMilli() == null ? 1000 : end.shareMilli();
        BigDecimal utilization = BigDecimal.valueOf(600 + Math.floorMod(end.jobId().hashCode(), 380), 3);
        double hours = Duration.between(end.startedAt(), now).toMillis() / 3_600_000.0;
        return end.placement().stream().map(n -> {
            int milli = share < 1000 ? share : n.cards().size() * 1000;
            double watts = milli / 1000.0 * (IDLE_WATTS + BUSY_WATTS * utilization.doubleValue());
            return new UsageIngestion.Measured("emu-usage-" + run + "-" + n.node(), end.clusterId(), end.jobId(),
                    n.node(), milli, end.startedAt(), now, utilization,
                    BigDecimal.valueOf(watts * hours).setScale(3, java.math.RoundingMode.HALF_EVEN));
        }).toList();
    }

    static final int IDLE_WATTS = 100;
    static final int BUSY_WATTS = 300;

    private static ClusterEvent event(String id, String type, UUID job, int attempt, Instant at) {
        return new ClusterEvent(id, type, job, attempt, null, at, "emulated", null);
    }
}
