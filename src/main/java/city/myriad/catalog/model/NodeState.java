package city.myriad.catalog.model;

/**
 * What a node offers: AVAILABLE takes new work, DRAINING finishes what runs and takes nothing new, DOWN is out of
 * service. Every state may move to every other; the operator decides.
 */
public enum NodeState { AVAILABLE, DRAINING, DOWN }
