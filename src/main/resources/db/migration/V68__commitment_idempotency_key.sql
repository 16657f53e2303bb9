-- createCommitment takes an Idempotency-Key as every other creating POST does: a platform admin whose answer was
-- lost sends the same request again and gets the commitment made (201, Idempotent-Replayed: true), not a 409
-- COMMITMENT_OVERLAPS that leaves them guessing whether the first one landed. A key is its caller's (stored as
-- `<token subject>|<key>`) and names one commitment of the tenant, kept as long as the commitment (not the 7 days
-- of the generic record: a replay months later still answers it); the commitments made before have none.
alter table commitments add column idempotency_key text;
create unique index commitments_idempotency_key on commitments (tenant_id, idempotency_key)
    where idempotency_key is not null;
