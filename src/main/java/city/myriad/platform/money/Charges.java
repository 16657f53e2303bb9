package city.myriad.platform.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * What a run costs: the unit price of a card-hour times the cards (in thousandths) times the hours it ran, rounded
 * half-even to a minor unit once per run. Whole seconds; a run shorter than a second costs nothing.
 */
public final class Charges {

    private Charges() {}

    public static long of(long unitPriceMinorPerCardHour, int cardsMilli, Duration ran) {
        long seconds = Math.max(0, ran.getSeconds());
        return BigDecimal.valueOf(unitPriceMinorPerCardHour)
                .multiply(BigDecimal.valueOf(cardsMilli))
                .multiply(BigDecimal.valueOf(seconds))
                .divide(BigDecimal.valueOf(3_600_000L), 0, RoundingMode.HALF_EVEN)
                .longValueExact();
    }
}
