-- When the push first sent Stripe its invoice create. Stripe may have made the invoice though Myriad never stored
-- its id (a crash or a lost answer between the two): a push with this set and no id looks for its draft in Stripe
-- (by the myriad_invoice_id metadata) before it creates one, and a void sends such a row to the void step
-- (VOID_PENDING), which deletes that draft, instead of stopping it (SKIPPED) with the draft left behind.
alter table stripe_pushes add column invoice_create_sent_at timestamptz;
