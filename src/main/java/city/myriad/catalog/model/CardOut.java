package city.myriad.catalog.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A card of a node out of service while its node may stay in service (node_cards_out, V72): which card (its index on
 * the node, as placements name it), why, since when and who took it out. It takes no work and is sold to nobody until
 * it is put back.
 */
public record CardOut(UUID nodeId, int card, String reason, Instant since, String setBy) {}
