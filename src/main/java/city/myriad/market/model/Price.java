package city.myriad.market.model;

import city.myriad.platform.money.Money;
import java.math.BigDecimal;

/**
 * The price of one card-hour of one model in one class. A SPOT price with a floor and a ceiling follows the
 * cluster's utilization: {@code floor + (ceiling - floor) * utilization}, rounded half-even; without them, and in
 * every other class, the unit price is the price.
 */
public record Price(String model, PriceClass priceClass, Money unitPrice, Money floor, Money ceiling) {

    public boolean followsUtilization() {
        return floor != null && ceiling != null;
    }

    /** The price of a card-hour now, at {@code utilization} (0 to 1) of the cluster's cards. */
    public Money at(BigDecimal utilization) {
        if (!followsUtilization()) {
            return unitPrice;
        }
        BigDecimal u = utilization.max(BigDecimal.ZERO).min(BigDecimal.ONE);
        Money span = Money.of(ceiling.amountMinor() - floor.amountMinor(), ceiling.currency());
        return floor.plus(span.times(u));
    }
}
