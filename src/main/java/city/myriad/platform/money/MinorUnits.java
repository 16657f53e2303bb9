package city.myriad.platform.money;

import java.math.BigDecimal;
import java.util.Currency;

/** Minor units as the decimal amounts people and exports read: 120050 fen of CNY is 1200.50. Exact, no rounding. */
public final class MinorUnits {

    private MinorUnits() {}

    /** The currency's minor-unit digits (ISO 4217: CNY and USD 2, JPY 0); 2 for a code the JDK does not know. */
    public static int digits(String currency) {
        try {
            return Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
        } catch (IllegalArgumentException e) {
            return 2;
        }
    }

    /** The amount as a plain decimal string in the currency's units ("-12.00"). */
    public static String decimal(long minor, String currency) {
        return BigDecimal.valueOf(minor, digits(currency)).toPlainString();
    }
}
