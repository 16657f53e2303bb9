-- A Stripe credit note's create is marked sent before it is sent (docs/billing.md, "Credit notes"): a note marked so
-- without a Stripe id (a crash or a lost answer after Stripe made it) is first looked for among the Stripe invoice's
-- credit notes by its metadata, so that no retry makes a second one, even after Stripe's idempotency keys expired.
alter table credit_notes add column stripe_create_sent_at timestamptz;
