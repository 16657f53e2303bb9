-- A void reaches Stripe through the push outbox. When Myriad voids an invoice, its outbox row moves:
--   PENDING or FAILED (not yet pushed whole) -> SKIPPED: the push stops before it finalizes anything;
--   PUSHED (open in Stripe)                  -> VOID_PENDING -> VOIDED (Stripe's invoice voided), or VOID_FAILED
--                                               after the same retries as a push.
alter table stripe_pushes drop constraint stripe_pushes_state_check;
alter table stripe_pushes add constraint stripe_pushes_state_check
    check (state in ('PENDING', 'PUSHED', 'FAILED', 'SKIPPED', 'VOID_PENDING', 'VOIDED', 'VOID_FAILED'));
drop index stripe_pushes_due;
create index stripe_pushes_due on stripe_pushes (next_attempt_at) where state in ('PENDING', 'VOID_PENDING');
