package city.myriad.platform.json;

import java.math.BigDecimal;

/** Decimals as the API writes them. */
public final class Decimals {

    private Decimals() {}

    /** No trailing zeros, and never an exponent (28800, not 2.88E+4). */
    public static BigDecimal plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
