package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.ClusterSupply.NodeInService;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.PastRunRepository;
import city.myriad.jobs.repository.PastRunRepository.EndedRun;
import city.myriad.jobs.repository.PastRunRepository.RecordedRun;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.time.Ids;
import city.myriad.platform.money.Charges;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Records runs that ended before Myriad recorded them, so that they are metered and billed as the scheduling loop's
 * own: each becomes a job in its final state (SUCCEEDED, or FAILED on a node that went down and credited whole, as
 * the loop credits such runs) with its closed segment, priced at the unit price given, in one transaction for the
 * whole batch. What loads the dev start's demo month uses it (demo.DemoHistory); no route exposes it.
 *
 * <p>Rules: platform admins only; every run ended (start before end, end not after now), on nodes of the cluster's
 * model that are in service, each card named once and within the node's cards; no card in two runs at once, of the
 * batch or recorded before (ended or still running; batches on one cluster are recorded one at a time); of a
 * project of its tenant; ON_DEMAND or SPOT (a reserved run is paid by its reservation, which this does not make).
 * A batch is recorded once per recorder and cluster: a second one finds the first and records nothing.
 */
@ApplicationScoped
public class PastRuns {

    /** How a past run ended. */
    public enum Outcome {
        /** It ran to its end: SUCCEEDED, charged. */
        SUCCEEDED,
        /** Its node went down under it: FAILED, reason NODE_DOWN, its charge credited whole. */
        NODE_DOWN
    }

    /** One run that ended: whole cards on the nodes named, for [startedAt, endedAt). */
    public record PastRun(UUID tenantId, UUID projectId, String name, String model, JobClass jobClass,
            List<JobPlacement.NodeCards> placement, Instant startedAt, Instant endedAt, long unitPriceMinor,
            String currency, Outcome outcome) {

        int cards() {
            return placement.stream().mapToInt(n -> n.cards().size()).sum();
        }
    }

    private final PlainTx tx;
    private final PastRunRepository repository;
    private final ClusterSupply clusters;
    private final TenantProjects projects;
    private final ObjectMapper json;
    private final Ids ids;
    private final Clock clock;

    PastRuns(PlainTx tx, PastRunRepository repository, ClusterSupply clusters, TenantProjects projects,
            ObjectMapper json, Ids ids, Clock clock) {
        this.tx = tx;
        this.repository = repository;
        this.clusters = clusters;
        this.projects = projects;
        this.json = json;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Records the batch; returns the jobs it made, one per run in the batch's order (none: this recorder's batch was
     * there already), so that what recorded them can report their agents' usage.
     */
    public Uni<List<UUID>> record(Caller caller, UUID clusterId, List<PastRun> runs) {
        if (!caller.isPlatformAdmin()) {
            return Uni.createFrom().failure(new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                    "Only a platform admin may record past runs"));
        }
        Instant now = clock.instant();
        Map<String, Map<String, NodeInService>> nodesByModel = new HashMap<>();
        return clusters.find(clusterId)
                .chain(cluster -> Multi.createFrom().iterable(runs.stream().map(PastRun::model)
                                .filter(java.util.Objects::nonNull).distinct().toList())
                        .onItem().transformToUniAndConcatenate(model -> clusters.nodesInService(clusterId, model)
                                .invoke(nodes -> {
                                    Map<String, NodeInService> byName = new HashMap<>();
                                    nodes.forEach(n -> byName.put(n.name(), n));
                                    nodesByModel.put(model, byName);
                                }))
                        .collect().last())
                .chain(() -> Multi.createFrom().iterable(runs.stream()
                                .filter(r -> r.tenantId() != null && r.projectId() != null)
                                .map(r -> List.of(r.tenantId(), r.projectId())).distinct().toList())
                        .onItem().transformToUniAndConcatenate(p -> projects.projectOf(p.get(0), p.get(1)))
                        .collect().last())
                .chain(() -> {
                    List<EndedRun> rows = new ArrayList<>();
                    for (int i = 0; i < runs.size(); i++) {
                        rows.add(ended(caller, clusterId, i, runs.get(i), nodesByModel.get(runs.get(i).model()), now));
                    }
                    noCardTwiceAtOnce(runs);
                    Instant from = runs.stream().map(PastRun::startedAt).min(Instant::compareTo).orElse(now);
                    Instant to = runs.stream().map(PastRun::endedAt).max(Instant::compareTo).orElse(now);
                    return tx.asPlatform(c -> repository.lock(c, clusterId)
                            .chain(() -> repository.anyBy(c, clusterId, caller.username())).chain(done -> {
                        if (done) {
                            return Uni.createFrom().item(List.<UUID>of());
                        }
                        return repository.overlapping(c, clusterId, from, to)
                                .invoke(recorded -> noCardTakenAlready(runs, recorded))
                                .chain(() -> Multi.createFrom().iterable(rows).onItem()
                                        .transformToUniAndConcatenate(r -> repository.insert(c, r)).collect().last())
                                .replaceWith(rows.stream().map(EndedRun::id).toList());
                    }));
                });
    }

    private EndedRun ended(Caller caller, UUID clusterId, int index, PastRun r, Map<String, NodeInService> nodes,
            Instant now) {
        String at = "runs[" + index + "]";
        if (r.tenantId() == null || r.projectId() == null || r.model() == null || r.jobClass() == null
                || r.outcome() == null) {
            throw invalid(at, "a tenant, a project, a card model, a class and an outcome");
        }
        if (r.startedAt() == null || r.endedAt() == null || !r.startedAt().isBefore(r.endedAt())
                || r.endedAt().isAfter(now)) {
            throw invalid(at + ".endedAt", "a past run starts before it ends, and has ended by now");
        }
        if (r.jobClass() == JobClass.RESERVED) {
            throw invalid(at + ".jobClass", "ON_DEMAND or SPOT: a reserved run is paid by its reservation");
        }
        if (r.unitPriceMinor() < 0 || r.currency() == null || !r.currency().matches("[A-Z]{3}")) {
            throw invalid(at + ".unitPriceMinor", "a unit price of zero or more in an ISO 4217 currency");
        }
        if (r.placement() == null || r.placement().isEmpty() || r.cards() == 0) {
            throw invalid(at + ".placement", "at least one card on one node");
        }
        Set<String> named = new HashSet<>();
        for (JobPlacement.NodeCards n : r.placement()) {
            NodeInService node = nodes == null ? null : nodes.get(n.node());
            if (node == null || !named.add(n.node())) {
                throw invalid(at + ".placement", "node " + n.node() + " is not a node of model " + r.model()
                        + " in service on the cluster, or is named twice");
            }
            if (n.cards().stream().distinct().count() != n.cards().size()
                    || n.cards().stream().anyMatch(card -> card < 0 || card >= node.cards())) {
                throw invalid(at + ".placement", "the cards of node " + n.node() + " are each named once, 0 to "
                        + (node.cards() - 1));
            }
        }
        int milli = r.cards() * 1000;
        long charge = Charges.of(r.unitPriceMinor(), milli, Duration.between(r.startedAt(), r.endedAt()));
        boolean down = r.outcome() == Outcome.NODE_DOWN;
        String placement;
        try {
            placement = json.writeValueAsString(new JobPlacement(r.placement(), 1000));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // Its id of the time it started, as a job submitted then: lists by id put it among the jobs of its time.
        return new EndedRun(ids.at(r.startedAt()), r.tenantId(), r.projectId(), clusterId, r.name(), r.model(), milli,
                r.jobClass().name(), r.currency(), r.unitPriceMinor(), placement, r.startedAt(), r.endedAt(),
                (down ? JobState.FAILED : JobState.SUCCEEDED).name(), down ? Reasons.NODE_DOWN : Reasons.COMPLETED,
                charge, down ? charge : 0, caller.username());
    }

    /** No card is in two runs of the batch at once. */
    private static void noCardTwiceAtOnce(List<PastRun> runs) {
        for (int i = 0; i < runs.size(); i++) {
            for (int j = i + 1; j < runs.size(); j++) {
                PastRun a = runs.get(i);
                PastRun b = runs.get(j);
                if (!a.startedAt().isBefore(b.endedAt()) || !b.startedAt().isBefore(a.endedAt())) {
                    continue;
                }
                for (JobPlacement.NodeCards x : a.placement()) {
                    for (JobPlacement.NodeCards y : b.placement()) {
                        if (x.node().equals(y.node()) && x.cards().stream().anyMatch(y.cards()::contains)) {
                            throw invalid("runs[" + j + "].placement", "a card of node " + x.node()
                                    + " is in runs " + i + " and " + j + " at the same time");
                        }
                    }
                }
            }
        }
    }

    /** No card of the batch was in a run recorded before (ended, or still running) at the same time. */
    private void noCardTakenAlready(List<PastRun> runs, List<RecordedRun> recorded) {
        for (RecordedRun other : recorded) {
            JobPlacement taken = StoredPlacements.read(json, other.placement());
            for (int i = 0; i < runs.size(); i++) {
                PastRun r = runs.get(i);
                if (!r.startedAt().isBefore(other.endedAt()) || !other.startedAt().isBefore(r.endedAt())) {
                    continue;
                }
                for (JobPlacement.NodeCards x : r.placement()) {
                    for (JobPlacement.NodeCards y : taken.nodes()) {
                        if (x.node().equals(y.node()) && x.cards().stream().anyMatch(y.cards()::contains)) {
                            throw invalid("runs[" + i + "].placement", "a card of node " + x.node() + " was in "
                                    + "another run from " + other.startedAt() + " to " + other.endedAt());
                        }
                    }
                }
            }
        }
    }

    private static MyriadProblem.Validation invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "A past run breaks a rule: " + reason,
                List.of(MyriadProblem.Violation.field(field, reason)));
    }
}
