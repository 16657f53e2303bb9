-- Whether a try reached the receiver. A delivery of a type the webhook no longer receives, or with no webhook left,
-- ends FAILED with an attempt logged that was never sent: it says nothing of the receiver, so the webhook's status
-- (getWebhookStatus) reads only the tries sent. The ones logged before this column are found by their reasons.
alter table webhook_attempts add column sent boolean not null default true;
update webhook_attempts set sent = false
 where status_code is null
   and (error = 'the tenant has no webhook any more' or error like 'the webhook no longer receives % events');
-- The latest tries sent of a tenant first: the status reads the newest few and walks back to the last delivered one.
create index webhook_attempts_sent on webhook_attempts (tenant_id, at desc) where sent;
