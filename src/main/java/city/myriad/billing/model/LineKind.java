package city.myriad.billing.model;

/** What an invoice line bills, in the order lines are listed; the sign of its amount follows from the kind. */
public enum LineKind {
    /** Ended runs of the period's hours, at the prices the jobs were sold at (rollups). */
    USAGE,
    /** Usage of an earlier, already closed period's hours that was metered late (rollups). */
    ADJUSTMENT,
    /** Runs interrupted by a preemption or a node failure, given back (negative; rollups). */
    PREEMPTION_CREDIT,
    /** A reservation bought: its whole window, used or not. */
    RESERVATION,
    /** A reservation extended: the window added, at the price in force when it was extended. */
    RESERVATION_EXTENSION,
    /** A cancelled reservation: what is given back, its total (extensions included) less the cancellation fee (negative). */
    RESERVATION_CANCELLATION,
    /**
     * Reserved card time not delivered: the reservation held fewer cards than it bought while nodes were out of
     * service; its price's share for the card-seconds short, per reservation and period (negative).
     */
    RESERVATION_SHORTFALL_CREDIT,
    /** The committed-use discount on ON_DEMAND usage (negative). */
    COMMITMENT_DISCOUNT,
    /** What the period's spend fell short of the commitment's minimum. */
    COMMITMENT_SHORTFALL,
    /**
     * Tax on the lines above at the tenant's rate (its payment terms, or the platform's), one per invoice, rounded
     * half-even once; negative on a negative subtotal (the tax of what is refunded refunded with it).
     */
    TAX,
    /** Prepaid credit consumed, before anything is invoiced (negative). */
    PREPAID_CREDIT,
    /** A negative subtotal (refunds above the period's charges) carried to the prepaid wallet (positive). */
    CREDIT_CARRIED;

    /** Lines that pay for the subtotal rather than make it. */
    public boolean settles() {
        return this == PREPAID_CREDIT || this == CREDIT_CARRIED;
    }
}
