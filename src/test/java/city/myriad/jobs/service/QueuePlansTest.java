package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which plan answers a queued job's view, and when a plan is no longer used. */
class QueuePlansTest {

    static final UUID CLUSTER = UUID.randomUUID();
    static final String MODEL = "ASCEND-910B";
    static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");
    static final List<String> NODES = List.of("n1", "n2");

    private final QueuePlans plans = new QueuePlans(Duration.ofMinutes(5), new SimpleMeterRegistry());
    private final List<UUID> jobs = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());

    private static List<Optional<Instant>> startsEvery(int seconds, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(k -> Optional.of(NOW.plusSeconds((long) k * seconds)))
                .toList();
    }

    @Test
    void a_pooled_plan_answers_only_the_jobs_deep_enough_to_be_pooled_and_a_node_plan_goes_first() {
        plans.keepPooled(CLUSTER, MODEL, plans.version(CLUSTER), NODES, jobs, startsEvery(100, 4), 2, NOW);
        assertEquals(Optional.empty(), plans.find(CLUSTER, MODEL, NODES, jobs.get(1), NOW), "planned node by node");
        assertEquals(Optional.of(new QueuePlans.Planned(3, Optional.of(NOW.plusSeconds(200)))),
                plans.find(CLUSTER, MODEL, NODES, jobs.get(2), NOW));
        // A node plan of the first two beside it: each job from the plan it would be made by.
        plans.keep(CLUSTER, MODEL, plans.version(CLUSTER), NODES, jobs.subList(0, 2), startsEvery(10, 2), NOW);
        assertEquals(Optional.of(new QueuePlans.Planned(2, Optional.of(NOW.plusSeconds(10)))),
                plans.find(CLUSTER, MODEL, NODES, jobs.get(1), NOW));
        assertEquals(Optional.of(new QueuePlans.Planned(4, Optional.of(NOW.plusSeconds(300)))),
                plans.find(CLUSTER, MODEL, NODES, jobs.get(3), NOW));
    }

    @Test
    void a_plan_is_not_used_on_other_nodes_after_a_change_or_when_a_change_came_while_it_was_made() {
        long version = plans.version(CLUSTER);
        plans.keepPooled(CLUSTER, MODEL, version, NODES, jobs, startsEvery(100, 4), 0, NOW);
        assertTrue(plans.find(CLUSTER, MODEL, NODES, jobs.get(0), NOW).isPresent());
        assertTrue(plans.find(CLUSTER, MODEL, List.of("n1"), jobs.get(0), NOW).isEmpty(), "a node went down");
        assertTrue(plans.find(CLUSTER, MODEL, List.of("n1", "n2"), jobs.get(0), NOW).isPresent(), "equal nodes");
        plans.changed(CLUSTER);
        assertTrue(plans.find(CLUSTER, MODEL, NODES, jobs.get(0), NOW).isEmpty(), "forgotten on a change");
        plans.keepPooled(CLUSTER, MODEL, version, NODES, jobs, startsEvery(100, 4), 0, NOW);
        assertTrue(plans.find(CLUSTER, MODEL, NODES, jobs.get(0), NOW).isEmpty(), "made before the change: not kept");
        // A start already past is now; a plan is not used from another clock's past.
        plans.keep(CLUSTER, MODEL, plans.version(CLUSTER), NODES, jobs, startsEvery(100, 4), NOW);
        assertEquals(Optional.of(new QueuePlans.Planned(2, Optional.of(NOW.plusSeconds(150)))),
                plans.find(CLUSTER, MODEL, NODES, jobs.get(1), NOW.plusSeconds(150)));
        assertTrue(plans.find(CLUSTER, MODEL, NODES, jobs.get(1), NOW.minusSeconds(1)).isEmpty());
    }

    @Test
    void what_the_running_jobs_hold_is_kept_per_kind_of_plan_until_a_change_and_only_if_none_came_while_it_was_read() {
        List<city.myriad.allocation.StartEstimate.Running> ends = List.of(
                new city.myriad.allocation.StartEstimate.Running(8_000, NOW.plusSeconds(60)));
        List<city.myriad.allocation.StartEstimate.Placed> placed = List.of(new city.myriad.allocation.StartEstimate.Placed(
                new int[] {0}, new city.myriad.allocation.StartEstimate.Need[] {
                        city.myriad.allocation.StartEstimate.Need.cards(8_000)}, NOW.plusSeconds(60)));
        long version = plans.version(CLUSTER);
        plans.keepEnds(CLUSTER, MODEL, version, NODES, ends);
        assertEquals(Optional.of(ends), plans.ends(CLUSTER, MODEL, NODES));
        assertTrue(plans.running(CLUSTER, MODEL, NODES).isEmpty(), "the pooled holdings are not the per-node ones");
        assertTrue(plans.ends(CLUSTER, MODEL, List.of("n1")).isEmpty(), "other nodes");
        QueuePlans.NodeLoad load = new QueuePlans.NodeLoad(placed, List.of(new city.myriad.allocation.StartEstimate.Hold(
                0, "acme", null, NOW.plusSeconds(3_600))));
        plans.keepRunning(CLUSTER, MODEL, version, NODES, load);
        assertEquals(Optional.of(load), plans.running(CLUSTER, MODEL, NODES));
        assertEquals(Optional.of(ends), plans.ends(CLUSTER, MODEL, NODES));
        plans.changed(CLUSTER);
        assertTrue(plans.ends(CLUSTER, MODEL, NODES).isEmpty(), "a job started or ended: read again");
        assertTrue(plans.running(CLUSTER, MODEL, NODES).isEmpty());
        plans.keepEnds(CLUSTER, MODEL, version, NODES, ends);
        assertTrue(plans.ends(CLUSTER, MODEL, NODES).isEmpty(), "read before the change: not kept");
    }
}
