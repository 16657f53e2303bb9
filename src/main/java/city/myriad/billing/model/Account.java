package city.myriad.billing.model;

/**
 * The ledger's accounts. Entries are signed: debit positive, credit negative; each transaction sums to zero per
 * currency (the database refuses any other). Asset accounts (receivables, Stripe clearing) carry debit balances;
 * liabilities (the prepaid wallet, operator payables) and revenue carry credit balances.
 */
public enum Account {
    /** What a tenant owes on issued invoices (asset; one per tenant). */
    TENANT_RECEIVABLE,
    /** A tenant's prepaid credit not yet consumed (liability; one per tenant). */
    TENANT_CREDIT,
    /** What the marketplace owes a city operator for usage of its clusters (liability; one per operator). */
    OPERATOR_PAYABLE,
    /** The marketplace's fee, less promotional credit, refunds and write-offs it bears (revenue). */
    MARKETPLACE_REVENUE,
    /** Money collected through Stripe not yet paid out (asset). */
    STRIPE_CLEARING,
    /**
     * Tax charged on invoices, owed to the tax authority (liability): credited at issue, debited by the tax share of
     * a credit note, a refund or a write-off. Never revenue, never an operator's.
     */
    TAX_PAYABLE
}
