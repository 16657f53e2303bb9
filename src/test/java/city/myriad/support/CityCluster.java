package city.myriad.support;

import city.myriad.allocation.Topology;
import city.myriad.catalog.model.NodeSpec;
import city.myriad.catalog.service.InventoryFile;
import city.myriad.demo.DemoData;

/**
 * The 10,000-card cluster of the demo data (Hangzhou: 1,250 nodes of 8 ASCEND-910B, 16 nodes a rack, 8 racks a
 * block) as the allocation core's topology: the one fixture that the dev start, the end-to-end tests and the core's
 * benchmarks share, so that a figure measured on one is about the same cluster as the others.
 */
public final class CityCluster {

    private CityCluster() {}

    public static Topology topology() {
        Topology.Builder b = Topology.builder();
        for (NodeSpec n : InventoryFile.parse(DemoData.hangzhouInventory())) {
            b.node(n.name(), n.gpuModel(), n.gpus(), n.cpuMilli(), n.memoryMib(), n.rack(), n.block());
        }
        return b.build();
    }
}
