package city.myriad.catalog.model;

/**
 * One node as an inventory declares it, checked: its name, its cards ({@code gpuModel} null for a node without
 * cards), CPU, memory and place in the topology. What an import writes and what the repository stores.
 */
public record NodeSpec(String name, String gpuModel, int gpus, long cpuMilli, long memoryMib, String rack,
        String block) {}
