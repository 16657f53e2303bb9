package city.myriad.billing.model;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The invoice's states. The transitions are one table, {@code invoice_transitions}, which a database trigger holds
 * every update to; {@link #ALLOWED} is the same table for the service to decide before it writes (a test keeps the
 * two equal).
 */
public enum InvoiceState {
    DRAFT, ISSUED, PAID, VOID, UNCOLLECTIBLE;

    public static final Map<InvoiceState, Set<InvoiceState>> ALLOWED = Map.of(
            DRAFT, EnumSet.of(ISSUED),
            ISSUED, EnumSet.of(PAID, VOID, UNCOLLECTIBLE),
            UNCOLLECTIBLE, EnumSet.of(PAID, VOID),
            PAID, EnumSet.noneOf(InvoiceState.class),
            VOID, EnumSet.noneOf(InvoiceState.class));

    public boolean canGo(InvoiceState next) {
        return ALLOWED.get(this).contains(next);
    }
}
