package city.myriad.market.model;

/**
 * How cards are sold. {@code RESERVED}: a block of cards from a start to an end, paid whether used or not.
 * {@code ON_DEMAND}: per card-second used, never preempted. {@code SPOT}: per card-second, cheaper, preemptible.
 */
public enum PriceClass {
    RESERVED, ON_DEMAND, SPOT
}
