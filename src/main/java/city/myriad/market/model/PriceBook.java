package city.myriad.market.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One version of a cluster's prices: one currency, one price per model and class, and the premium for keeping a
 * gang inside one block. Versions are append-only; the newest is in force.
 */
public record PriceBook(UUID clusterId, int version, String currency, int sameBlockPremiumPercent,
        Instant effectiveAt, String setBy, List<Price> prices) {

    public PriceBook {
        prices = List.copyOf(prices);
    }

    public Optional<Price> price(String model, PriceClass priceClass) {
        return prices.stream().filter(p -> p.model().equals(model) && p.priceClass() == priceClass).findFirst();
    }
}
