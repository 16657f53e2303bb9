package city.myriad.billing.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The part of an amount taken off an issued invoice that is tax (docs/billing.md, "Tax"). A credit note, a refund or
 * a write-off takes back tax in the proportion the invoice charged it: its tax over its subtotal and tax (what was
 * billed before prepaid credit), rounded half-even once per amount. So tax payable follows what the tenant is finally
 * charged, and a note and its void move it by the same amount.
 */
public final class TaxShare {

    private TaxShare() {}

    /** The tax in {@code amountMinor} of an invoice of {@code subtotalMinor} before tax and {@code taxMinor} tax. */
    public static long of(long amountMinor, long subtotalMinor, long taxMinor) {
        long gross = subtotalMinor + taxMinor;
        if (taxMinor == 0 || gross <= 0) {
            return 0;
        }
        return BigDecimal.valueOf(amountMinor).multiply(BigDecimal.valueOf(taxMinor))
                .divide(BigDecimal.valueOf(gross), 0, RoundingMode.HALF_EVEN).longValueExact();
    }
}
