package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterNodes;
import city.myriad.catalog.service.ClusterSupply;
import city.myriad.jobs.mapping.JobsApi.AssignmentView;
import city.myriad.jobs.mapping.JobsApi.ClusterEvent;
import city.myriad.jobs.mapping.JobsApi.EventResult;
import city.myriad.jobs.mapping.JobsApi.EventResults;
import city.myriad.jobs.mapping.JobsApi.NodeCards;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.ClusterFeedRepository;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The cluster side, for its operator (and platform admins): the assignments its agents must carry out, and the
 * events they report. Events are idempotent by id: the first delivery is applied and its outcome kept; a retry
 * is answered DUPLICATE and changes nothing. A batch is applied in one transaction, whole or not at all. A job event for a run that has already ended or moved
 * on is STALE (the agents may report late, or after a preemption); it changes nothing either.
 */
@ApplicationScoped
public class ClusterAgentService {

    static final String APPLIED = "APPLIED";
    static final String DUPLICATE = "DUPLICATE";
    static final String STALE = "STALE";
    static final String UNKNOWN_JOB = "UNKNOWN_JOB";

    private final Scoped scoped;
    private final PlainTx plain;
    private final ClusterSupply clusters;
    private final ClusterNodes nodes;
    private final JobRepository jobs;
    private final ClusterFeedRepository feed;
    private final JobRuns runs;
    private final SchedulingLoops loops;
    private final ObjectMapper json;
    private final Clock clock;

    ClusterAgentService(Scoped scoped, PlainTx plain, ClusterSupply clusters, ClusterNodes nodes, JobRepository jobs,
            ClusterFeedRepository feed, JobRuns runs, SchedulingLoops loops, ObjectMapper json, Clock clock) {
        this.scoped = scoped;
        this.plain = plain;
        this.clusters = clusters;
        this.nodes = nodes;
        this.jobs = jobs;
        this.feed = feed;
        this.runs = runs;
        this.loops = loops;
        this.json = json;
        this.clock = clock;
    }

    public Uni<Page<AssignmentView>> assignments(Caller caller, UUID clusterId, PageRequest page) {
        return clusters.managed(caller, clusterId).chain(c -> open(clusterId, page));
    }

    public Uni<EventResults> events(Caller caller, UUID clusterId, List<ClusterEvent> events) {
        events.forEach(ClusterAgentService::complete);
        return clusters.managed(caller, clusterId).chain(c -> apply(clusterId, events));
    }

    /** The open assignments of the cluster, for its agents (the emulator calls this directly). */
    Uni<Page<AssignmentView>> open(UUID clusterId, PageRequest page) {
        long after = page.after().map(ClusterAgentService::seq).orElse(0L);
        // Platform scope: each assignment carries its job's CPU and memory, read from the (tenant-owned) jobs.
        return scoped.asPlatform(() -> feed.open(clusterId, after, page.limit() + 1))
                .map(rows -> page.page(rows, a -> Long.toString(a.seq())).map(this::view));
    }

    /** A run going on on the cluster, as an agent that reconnects reports it has. */
    record Run(UUID jobId, int attempt, Instant startedAt, int maxRunSeconds) {}

    /** The runs going on on the cluster now (the emulator takes them back after a restart of the service). */
    Uni<List<Run>> runs(UUID clusterId) {
        return scoped.asPlatform(() -> jobs.runs(clusterId)).map(rows -> rows.stream()
                .map(r -> new Run((UUID) r[0], ((Number) r[1]).intValue(),
                        city.myriad.platform.db.SqlTimes.instant(r[2]), ((Number) r[3]).intValue())).toList());
    }

    /**
     * Applies the events in order, all in one transaction with their records: a batch is applied whole or, if one
     * of its events is refused (an unknown node), not at all, and sending it again is safe either way.
     */
    Uni<EventResults> apply(UUID clusterId, List<ClusterEvent> events) {
        Instant received = clock.instant();
        if (events.stream().allMatch(ClusterAgentService::acknowledgment)) {
            return acknowledgeAll(clusterId, events, received).invoke(() -> loops.acknowledged(clusterId));
        }
        return scoped.asPlatform(() -> {
            Uni<List<EventResult>> all = Uni.createFrom().item(new ArrayList<>());
            for (ClusterEvent e : events) {
                all = all.chain(list -> one(clusterId, e, received).map(r -> {
                    list.add(r);
                    return list;
                }));
            }
            return all;
        }).map(EventResults::new).invoke(() -> loops.wake(clusterId));
    }

    /** JOB_STARTED and JOB_STOPPED change only an assignment: the bulk of what agents report, one per run. */
    private static boolean acknowledgment(ClusterEvent e) {
        return e.type().equals("JOB_STARTED") || e.type().equals("JOB_STOPPED");
    }

    /**
     * A batch of acknowledgments only: one statement on the plain client, with the outcomes {@link #one} gives
     * event by event (a repeated id in the batch, or one recorded before, is DUPLICATE).
     */
    private Uni<EventResults> acknowledgeAll(UUID clusterId, List<ClusterEvent> events, Instant received) {
        List<ClusterFeedRepository.Ack> acks = events.stream().map(e -> new ClusterFeedRepository.Ack(e.eventId(),
                e.type(), e.jobId(), e.attempt(), e.at() == null ? received : e.at())).toList();
        return plain.asPlatform(c -> feed.acknowledgeAll(c, clusterId, acks, received)).map(recorded -> {
            List<EventResult> results = new ArrayList<>(events.size());
            for (ClusterEvent e : events) {
                String outcome = recorded.remove(e.eventId());
                results.add(new EventResult(e.eventId(), outcome == null ? DUPLICATE : outcome));
            }
            return new EventResults(results);
        });
    }

    private Uni<EventResult> one(UUID clusterId, ClusterEvent e, Instant received) {
        Instant at = e.at() == null ? received : e.at();
        return feed.eventOutcome(clusterId, e.eventId()).chain(seen -> {
            if (seen.isPresent()) {
                return Uni.createFrom().item(DUPLICATE);
            }
            Uni<String> effect = e.type().startsWith("NODE_") ? node(clusterId, e, received)
                    : e.type().startsWith("CARD_") ? card(clusterId, e, received) : job(clusterId, e, received);
            return effect.call(outcome -> feed.recordEvent(clusterId, e.eventId(), e.type(), e.jobId(), e.attempt(),
                    e.node(), at, received, outcome));
        }).map(outcome -> new EventResult(e.eventId(), outcome));
    }

    private Uni<String> node(UUID clusterId, ClusterEvent e, Instant at) {
        String state = switch (e.type()) {
            case "NODE_UP" -> "AVAILABLE";
            case "NODE_DRAINING" -> "DRAINING";
            default -> "DOWN";
        };
        return nodes.report(clusterId, e.node(), state)
                .call(changed -> changed ? feed.notify(clusterId, null, "NODES", at) : Uni.createFrom().voidItem())
                .replaceWith(APPLIED);
    }

    /** A card out of service or back: its node works on (the loop hears of it through the nodes' trigger, V13). */
    private Uni<String> card(UUID clusterId, ClusterEvent e, Instant at) {
        return nodes.reportCard(clusterId, e.node(), e.card(), e.type().equals("CARD_DOWN"), e.detail())
                .call(changed -> changed ? feed.notify(clusterId, null, "NODES", at) : Uni.createFrom().voidItem())
                .replaceWith(APPLIED);
    }

    private Uni<String> job(UUID clusterId, ClusterEvent e, Instant at) {
        // An end changes the job, so it locks the row first; an acknowledgment (started, stopped) changes only its
        // assignment and reads the job without waiting for a writer of it.
        boolean ack = e.type().equals("JOB_STARTED") || e.type().equals("JOB_STOPPED");
        return (ack ? jobs.read(e.jobId()) : jobs.lock(e.jobId())).chain(found -> {
            JobRow j = found.filter(r -> r.clusterId().equals(clusterId)).orElse(null);
            if (j == null) {
                return Uni.createFrom().item(UNKNOWN_JOB);
            }
            boolean current = j.state() == JobState.RUNNING && j.attempt() == e.attempt();
            return switch (e.type()) {
                case "JOB_STARTED" -> feed.acknowledge(j.id(), e.attempt(), JobRuns.START, at)
                        .map(n -> current ? APPLIED : STALE);
                case "JOB_STOPPED" -> feed.acknowledge(j.id(), e.attempt(), JobRuns.STOP, at)
                        .map(n -> n > 0 ? APPLIED : STALE);
                default -> !current ? Uni.createFrom().item(STALE)
                        : runs.endRun(j, e.type().equals("JOB_SUCCEEDED")
                                ? JobRuns.RunEnd.reported(JobState.SUCCEEDED, Reasons.COMPLETED)
                                : JobRuns.RunEnd.reported(JobState.FAILED, Reasons.AGENT_REPORTED_FAILURE), at)
                                .map(r -> r == null ? STALE : APPLIED);
            };
        });
    }

    /** A job event names its job and run; a node event its node; a card event its node and card. */
    private static void complete(ClusterEvent e) {
        List<Violation> missing = new ArrayList<>();
        if (e.type().startsWith("JOB_")) {
            if (e.jobId() == null) {
                missing.add(Violation.field("jobId", "required for " + e.type()));
            }
            if (e.attempt() == null) {
                missing.add(Violation.field("attempt", "required for " + e.type()));
            }
        } else {
            if (e.node() == null || e.node().isBlank()) {
                missing.add(Violation.field("node", "required for " + e.type()));
            }
            if (e.type().startsWith("CARD_") && e.card() == null) {
                missing.add(Violation.field("card", "required for " + e.type()));
            }
        }
        if (!missing.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "Event " + e.eventId() + " of type "
                    + e.type() + " is incomplete; no event of the batch was applied", missing);
        }
    }

    private static long seq(String after) {
        try {
            return Long.parseLong(after);
        } catch (NumberFormatException e) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_CURSOR, "The cursor is not one of this list");
        }
    }

    private AssignmentView view(ClusterFeedRepository.Assignment a) {
        JobPlacement p = StoredPlacements.read(json, a.placement());
        BigDecimal cards = BigDecimal.valueOf(a.cardsMilli()).divide(BigDecimal.valueOf(1000), MathContext.DECIMAL64)
                .stripTrailingZeros();
        if (cards.scale() < 0) {
            cards = cards.setScale(0);
        }
        return new AssignmentView(a.seq(), a.jobId(), a.attempt(), a.action(),
                p.nodes().stream().map(n -> new NodeCards(n.node(), n.cards())).toList(), p.shareMilli(), cards,
                a.maxRunSeconds(), a.reason(), a.createdAt(), a.cpuMilli(), a.memoryMib(), a.arrayId(), a.arrayIndex());
    }
}
