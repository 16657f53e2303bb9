-- A delivery sent again on request (redeliverWebhookDelivery): its tries are counted from here for the retry budget
-- and back-off, while the attempt log goes on numbering.
alter table webhook_deliveries add column attempts_before_redelivery int not null default 0;
alter table webhook_deliveries add column redelivered_at timestamptz;
alter table webhook_deliveries add column redelivered_by text;
