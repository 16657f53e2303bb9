package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.BestFitPolicy;
import city.myriad.allocation.Job;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.SchedulerOptions;
import city.myriad.allocation.Topology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The loop's gauges: the figures of the loop that leads the cluster, and none once no loop of the replica does. */
class LoopGaugesTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final LoopGauges gauges = new LoopGauges(meters);
    private final UUID cluster = UUID.randomUUID();

    @Test
    void a_loop_publishes_its_last_cycle_and_nothing_once_it_ends() {
        LoopGauges.Figures figures = gauges.begin(cluster);
        figures.update(busyScheduler(), 4);
        assertEquals(1.0, value("myriad.scheduler.running"));
        assertEquals(1.0, value("myriad.scheduler.pending"));
        assertEquals(0.5, value("myriad.scheduler.allocated.ratio"));
        assertEquals(4.0, value("myriad.reservations.short.cards"));
        gauges.end(cluster, figures);
        assertTrue(Double.isNaN(value("myriad.scheduler.running")), "not known here once the replica leads no more");
    }

    @Test
    void a_loop_that_ends_after_its_successor_began_leaves_the_successors_figures() {
        LoopGauges.Figures first = gauges.begin(cluster);
        first.update(busyScheduler(), 0);
        LoopGauges.Figures second = gauges.begin(cluster);  // leadership regained while the first still winds down
        gauges.end(cluster, first);
        assertEquals(0.0, value("myriad.scheduler.running"), "the successor's figures (no cycle yet), not NaN");
        second.update(busyScheduler(), 0);
        assertEquals(1.0, value("myriad.scheduler.running"));
        assertEquals(1, meters.find("myriad.scheduler.running").gauges().size(), "one series per cluster");
    }

    private double value(String name) {
        return meters.get(name).tag("cluster", cluster.toString()).gauge().value();
    }

    /** Two 8-card nodes: one whole-node job running, a second of 16 cards waiting. */
    private static Scheduler busyScheduler() {
        Topology t = Topology.builder().node("n0", "H800", 8, 64_000, 512_000, "r0", "b0")
                .node("n1", "H800", 8, 64_000, 512_000, "r0", "b0").build();
        Scheduler s = new Scheduler(t, new BestFitPolicy(), SchedulerOptions.fifo());
        s.submit(Job.of(1).cards(8).runsFor(3600).build());
        s.submit(Job.of(2).cards(16).runsFor(3600).build());
        s.cycle(0);
        return s;
    }
}
