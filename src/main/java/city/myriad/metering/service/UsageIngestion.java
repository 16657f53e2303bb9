package city.myriad.metering.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.OperatorLookup;
import city.myriad.jobs.service.RunPlacements;
import city.myriad.metering.mapping.MeteringApi.UsageEvent;
import city.myriad.metering.mapping.MeteringApi.UsageEventResult;
import city.myriad.metering.mapping.MeteringApi.UsageEventResults;
import city.myriad.metering.repository.UsageEventRepository;
import city.myriad.metering.repository.UsageEventRepository.JobFacts;
import city.myriad.metering.repository.UsageEventRepository.RunFacts;
import city.myriad.platform.TextRules;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Takes the agents' usage events in. Rules:
 * <ul>
 * <li>Only the operator of every cluster the batch names, or a platform admin, may post it (else 403 or 404 for
 * the whole batch, and nothing is kept).</li>
 * <li>Each event is checked on its own: a malformed one, one for an unknown job (or a job of another cluster),
 * one outside every run of its job (give or take the clock skew), on a node the run does not use or with more
 * cards than the run has there, or one that ended longer ago than the late window, is REJECTED with its reason;
 * the others go on.</li>
 * <li>The valid events commit together, in one transaction that waits for the WAL flush: the answer comes only
 * once they are durable. An event whose (cluster, eventId) is already kept, by an earlier batch or by a concurrent
 * one that committed first, is a DUPLICATE: the primary key decides, so it is counted once, however late the
 * retry (no dedup window).</li>
 * </ul>
 */
@ApplicationScoped
public class UsageIngestion {

    static final String ACCEPTED = "ACCEPTED";
    static final String DUPLICATE = "DUPLICATE";
    static final String REJECTED = "REJECTED";

    private final ClusterSupply clusters;
    private final OperatorLookup operators;
    private final UsageEventRepository events;
    private final RunPlacements placements;
    private final Ids ids;
    private final Clock clock;
    private final Duration lateWindow;
    /** Clusters whose operator a batch has checked: a cluster never changes operator, so it is asked once. */
    private final Map<UUID, UUID> operatorOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final Duration clockSkew;

    UsageIngestion(ClusterSupply clusters, OperatorLookup operators, UsageEventRepository events,
            RunPlacements placements, Ids ids, Clock clock,
            @ConfigProperty(name = "myriad.metering.late-window", defaultValue = "P35D") Duration lateWindow,
            @ConfigProperty(name = "myriad.metering.clock-skew", defaultValue = "PT5S") Duration clockSkew) {
        this.clusters = clusters;
        this.operators = operators;
        this.events = events;
        this.placements = placements;
        this.ids = ids;
        this.clock = clock;
        this.lateWindow = lateWindow;
        this.clockSkew = clockSkew;
    }

    /** An event's verdict before the database has its say. */
    private record Checked(UsageEvent event, String reason, String detail, JobFacts job, int attempt, int cardsMilli) {

        boolean valid() {
            return reason == null;
        }

        String key() {
            return event.clusterId() + "/" + event.eventId();
        }
    }

    public Uni<UsageEventResults> ingest(Caller caller, List<UsageEvent> batch) {
        Instant now = clock.instant();
        List<Checked> shaped = batch.stream().map(e -> shape(e, now)).toList();
        Set<UUID> named = shaped.stream().filter(Checked::valid).map(c -> c.event().clusterId())
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return authorize(caller, named).chain(() -> apply(shaped, now));
    }

    /** One measured interval, as an in-process agent (the cluster emulator) reports it. */
    public record Measured(String eventId, UUID clusterId, UUID jobId, String node, int cardsMilli, Instant startAt,
            Instant endAt, BigDecimal utilization, BigDecimal energyWh) {}

    /**
     * The port for the cluster emulator, which plays the operators' agents inside the service (dev start, tests):
     * its events go through every rule of {@link #ingest} but the caller's, as it has no token.
     */
    public Uni<UsageEventResults> fromEmulator(List<Measured> measured) {
        Instant now = clock.instant();
        List<Checked> shaped = measured.stream().map(m -> shape(new UsageEvent(m.eventId(), m.clusterId(), m.jobId(),
                m.node(), BigDecimal.valueOf(m.cardsMilli(), 3), m.startAt(), m.endAt(), m.utilization(), m.energyWh()), now))
                .toList();
        return apply(shaped, now);
    }

    /** 403/404 unless the caller operates every cluster named (platform admins may post for any). */
    private Uni<Void> authorize(Caller caller, Set<UUID> clusterIds) {
        if (caller.isPlatformAdmin()) {
            return Uni.createFrom().voidItem();
        }
        return operators.of(caller).chain(op -> {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (UUID id : clusterIds) {
                UUID known = operatorOf.get(id);
                if (known == null) {
                    all = all.chain(() -> clusters.managed(caller, id).invoke(c -> operatorOf.put(id, c.operatorId())))
                            .replaceWithVoid();
                } else if (!known.equals(op.id())) {
                    return Uni.createFrom().failure(new MyriadProblem.Forbidden(ProblemCode.NOT_CLUSTER_OPERATOR,
                            "Only the cluster's operator may do this"));
                }
            }
            return all;
        });
    }

    /** The event's own rules, before any job is looked at. */
    private Checked shape(UsageEvent e, Instant now) {
        String problem = malformed(e);
        if (problem != null) {
            return new Checked(e, "MALFORMED", problem, null, 0, 0);
        }
        if (e.endAt().isBefore(now.minus(lateWindow))) {
            return new Checked(e, "TOO_LATE", "the interval ended more than " + lateWindow.toDays()
                    + " days ago: past the late window", null, 0, 0);
        }
        return new Checked(e, null, null, null, 0, e.cards().movePointRight(3).intValueExact());
    }

    static String malformed(UsageEvent e) {
        if (e.eventId() == null || e.eventId().isBlank()) {
            return "eventId is required";
        }
        if (TextRules.length(e.eventId()) > 128) {
            return "eventId is longer than 128 characters";
        }
        String text = TextRules.problem(e.eventId(), false);
        if (text != null) {
            return "eventId " + text;
        }
        if (e.clusterId() == null || e.jobId() == null) {
            return "clusterId and jobId are required";
        }
        if (e.node() == null || e.node().isBlank() || TextRules.length(e.node()) > 128
                || TextRules.problem(e.node(), false) != null) {
            return "node is required: 1 to 128 characters, no control characters";
        }
        if (e.cards() == null || e.cards().signum() <= 0 || e.cards().stripTrailingZeros().scale() > 3
                || e.cards().compareTo(BigDecimal.valueOf(1_000_000)) > 0
                || (e.cards().compareTo(BigDecimal.ONE) > 0 && e.cards().stripTrailingZeros().scale() > 0)) {
            return "cards must be whole cards, or a fraction of one card in thousandths (0.5)";
        }
        if (e.startAt() == null || e.endAt() == null || !e.endAt().isAfter(e.startAt())) {
            return "startAt and endAt are required, endAt after startAt";
        }
        if (e.utilization() != null && (e.utilization().signum() < 0 || e.utilization().compareTo(BigDecimal.ONE) > 0
                || e.utilization().stripTrailingZeros().scale() > 3)) {
            return "utilization is from 0 to 1, at most three decimals";
        }
        if (e.energyWh() != null && (e.energyWh().signum() < 0 || e.energyWh().stripTrailingZeros().scale() > 3
                || e.energyWh().compareTo(BigDecimal.valueOf(1_000_000_000_000L)) >= 0)) {
            return "energyWh is at least 0, at most three decimals";
        }
        return null;
    }

    /** The job's rules: known on this cluster, inside one of its runs, on that run's nodes and cards. */
    private List<Checked> check(List<Checked> shaped, List<JobFacts> jobs, List<RunFacts> runs, Instant now) {
        Map<UUID, JobFacts> byId = new HashMap<>();
        jobs.forEach(j -> byId.put(j.id(), j));
        Map<UUID, List<RunFacts>> runsOf = runs.stream().collect(Collectors.groupingBy(RunFacts::jobId));
        Map<String, Map<String, Integer>> placed = new HashMap<>(); // each run's placement read once per batch
        List<Checked> out = new ArrayList<>(shaped.size());
        for (Checked c : shaped) {
            out.add(c.valid() ? check(c, byId.get(c.event().jobId()), runsOf.getOrDefault(c.event().jobId(),
                    List.of()), now, placed) : c);
        }
        return out;
    }

    private Checked check(Checked c, JobFacts job, List<RunFacts> runs, Instant now,
            Map<String, Map<String, Integer>> placed) {
        UsageEvent e = c.event();
        if (job == null || !job.clusterId().equals(e.clusterId())) {
            return new Checked(e, "UNKNOWN_JOB", "no job " + e.jobId() + " on cluster " + e.clusterId(), null, 0, 0);
        }
        RunFacts run = null;
        for (RunFacts r : runs) {
            Instant end = r.endedAt() == null ? now : r.endedAt();
            if (!e.startAt().isBefore(r.startedAt().minus(clockSkew)) && !e.endAt().isAfter(end.plus(clockSkew))) {
                run = r;
                break;
            }
        }
        if (run == null) {
            return new Checked(e, "OUTSIDE_RUN", "the interval is not inside any run of job " + e.jobId()
                    + " (allowing " + clockSkew.toSeconds() + " s of clock skew)", null, 0, 0);
        }
        int allowed = job.cardsMilli();
        if (run.placement() != null) {
            Integer onNode = placed.computeIfAbsent(run.placement(), placements::cardsMilliByNode).get(e.node());
            if (onNode == null) {
                return new Checked(e, "NODE_NOT_IN_PLACEMENT", "run " + run.attempt() + " of job " + e.jobId()
                        + " does not use node " + e.node(), null, 0, 0);
            }
            allowed = onNode;
        }
        if (c.cardsMilli() > allowed) {
            return new Checked(e, "CARDS_ABOVE_PLACEMENT", "run " + run.attempt() + " has "
                    + BigDecimal.valueOf(allowed, 3).stripTrailingZeros().toPlainString() + " cards on "
                    + e.node() + ", the event says " + e.cards().stripTrailingZeros().toPlainString(), null, 0, 0);
        }
        return new Checked(e, null, null, job, run.attempt(), c.cardsMilli());
    }

    /**
     * Checks the events against their jobs and runs and keeps the valid ones (the first of a key within the batch),
     * all in one transaction (UsageEventRepository#ingest), then answers for every event, in order.
     */
    private Uni<UsageEventResults> apply(List<Checked> shaped, Instant now) {
        Set<UUID> jobIds = shaped.stream().filter(Checked::valid).map(c -> c.event().jobId())
                .collect(Collectors.toSet());
        List<List<Checked>> decided = new ArrayList<>(1);
        return events.ingest(jobIds, (jobs, runs) -> {
            List<Checked> checked = jobIds.isEmpty() ? shaped : check(shaped, jobs, runs, now);
            decided.clear();
            decided.add(checked);
            // In key order, so that two batches sharing events wait for each other in one order, never in a cycle.
            Map<String, Checked> firsts = new java.util.TreeMap<>();
            for (Checked c : checked) {
                if (c.valid()) {
                    firsts.putIfAbsent(c.key(), c);
                }
            }
            return firsts.values().stream().map(UsageIngestion::row).toList();
        }, ids.next(), now).map(keys -> answer(decided.get(0), keys));
    }

    private static UsageEventResults answer(List<Checked> checked, Set<String> keys) {
        List<UsageEventResult> results = new ArrayList<>(checked.size());
        long accepted = 0;
        long duplicates = 0;
        long rejected = 0;
        Set<String> answered = new HashSet<>();
        for (Checked c : checked) {
            if (!c.valid()) {
                rejected++;
                results.add(new UsageEventResult(c.event().eventId(), REJECTED, c.reason(), c.detail()));
            } else if (keys.contains(c.key()) && answered.add(c.key())) {
                accepted++;
                results.add(new UsageEventResult(c.event().eventId(), ACCEPTED, null, null));
            } else {
                duplicates++;
                results.add(new UsageEventResult(c.event().eventId(), DUPLICATE, null, null));
            }
        }
        return new UsageEventResults(accepted, duplicates, rejected, results);
    }

    private static UsageEventRepository.NewEvent row(Checked c) {
        UsageEvent e = c.event();
        JobFacts j = c.job();
        return new UsageEventRepository.NewEvent(e.clusterId(), e.eventId(), e.jobId(), c.attempt(), j.tenantId(),
                j.projectId(), j.model(), j.priceClass(), j.currency(), e.node(), c.cardsMilli(), e.startAt(),
                e.endAt(), e.utilization(), e.energyWh());
    }
}
