-- Idempotency keys are removed once older than the retention (7 days: platform.idempotency.IdempotencyRetention),
-- oldest first, so the table is read by creation time.
create index idempotency_records_created on idempotency_records (created_at);
