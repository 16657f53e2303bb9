package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import city.myriad.allocation.Job;
import city.myriad.allocation.PlacementResult;
import city.myriad.allocation.Scheduler;
import city.myriad.allocation.Topology;
import city.myriad.catalog.service.ClusterNodes.NodeRef;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole hardware the loop asks the core's never-fits rule of while cards are out (LoopTopology.hardwareOf): its
 * models numbered as the core's, so that a job's mask of allowed models names the same models in both.
 */
class HardwareTopologyTest {

    @Test
    void the_hardware_numbers_models_as_the_core_does_when_a_model_listed_first_has_every_card_out() {
        // a-mtt comes first but has no card in service: the core has one model, ASCEND-910B, numbered 0.
        List<NodeRef> nodes = List.of(
                new NodeRef("a-mtt", "MTT-S4000", 4, 64_000, 262_144, "r1", "b1", "AVAILABLE", List.of(0, 1, 2, 3)),
                new NodeRef("b-asc", "ASCEND-910B", 8, 192_000, 1_572_864, "r2", "b1", "AVAILABLE", List.of(3)),
                new NodeRef("c-cpu", null, 0, 128_000, 524_288, "r2", "b1", "AVAILABLE", List.of()));
        Topology core = core(nodes);
        assertEquals(List.of("ASCEND-910B"), core.models());

        Topology hardware = LoopTopology.hardwareOf(nodes, core);
        assertEquals(List.of("ASCEND-910B", "MTT-S4000"), hardware.models());
        assertEquals(3, hardware.nodes());
        long ascend = 1L << core.modelId("ASCEND-910B");
        assertEquals(7, core.maxCardsOnOneNode(ascend));
        assertEquals(8, hardware.maxCardsOnOneNode(ascend), "the ASCEND node whole, not the MTT node's 4");

        // An 8-card ASCEND job: larger than the cards in service, held by the hardware.
        Job eight = Job.of(1).tenant(0).submittedAt(0).runsFor(3600).cards(8).milliPerCard(1000).models(ascend)
                .build();
        assertEquals(PlacementResult.Reason.LARGER_THAN_CLUSTER, Scheduler.neverFits(core, eight).reason());
        assertNull(Scheduler.neverFits(hardware, eight));
        // Nine never fit, whatever comes back.
        Job nine = Job.of(2).tenant(0).submittedAt(0).runsFor(3600).cards(9).milliPerCard(1000).models(ascend)
                .build();
        assertEquals(PlacementResult.Reason.LARGER_THAN_CLUSTER, Scheduler.neverFits(hardware, nine).reason());
    }

    /** The core's topology as the loop builds it: each node's cards in service, a node with none as one without. */
    private static Topology core(List<NodeRef> nodes) {
        Topology.Builder b = Topology.builder();
        for (NodeRef n : nodes) {
            int cards = n.cardsInService().length;
            b.node(n.name(), cards == 0 ? null : n.model(), cards, n.cpuMilli(), n.memoryMib(), n.rack(), n.block());
        }
        return b.build();
    }
}
