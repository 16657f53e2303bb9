-- A transfer's create marked sent before it is sent (docs/design/payout-transfers.md): an attempt after one that may
-- have reached Stripe looks the transfer up first (by its group, destination and the payout's metadata) instead of
-- trusting the idempotency key, which Stripe keeps 24 hours. A payout is reversed only once Stripe refused it.
alter table payout_transfers add column create_sent_at timestamptz;
