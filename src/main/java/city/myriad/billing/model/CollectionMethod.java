package city.myriad.billing.model;

/**
 * How a tenant's invoices are collected (its payment terms, kept on each invoice at its issue). The names are
 * Stripe's collection methods.
 */
public enum CollectionMethod {
    /** Stripe charges the customer's default payment method when the invoice is finalized, and retries a failure. */
    CHARGE_AUTOMATICALLY,
    /** Stripe emails the invoice with a page to pay it, due a number of days after issue (net terms). */
    SEND_INVOICE
}
