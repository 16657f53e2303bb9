-- The audit trail: who changed what in a tenant's account or an operator's clusters, written in the transaction of
-- the change itself, so that a change and its record commit or roll back together. A tenant's events are read by its
-- admins (listAuditEvents), an operator's by its people (listOperatorAuditEvents), all by platform admins. Rows are
-- never updated or deleted (triggers below): a trail that its readers, or a compromised service, can edit proves
-- nothing.
create table audit_events (
    id            uuid        primary key,                   -- version 7: sorts by time of writing
    tenant_id     uuid        references tenants (id),      -- whose account: a tenant's ...
    operator_id   uuid        references operators (id),    -- ... or an operator's, never both
    at            timestamptz not null,
    actor         text        not null check (length(actor) between 1 and 255),
    actor_subject text        not null check (length(actor_subject) between 1 and 255),
    actor_role    text        not null check (actor_role in ('PLATFORM_ADMIN', 'TENANT_ADMIN', 'TENANT_MEMBER',
                                                             'BILLING_VIEWER', 'OPERATOR', 'OTHER')),
    action        text        not null check (action ~ '^[a-z][A-Za-z]{1,63}$'),  -- the route's operationId
    target_type   text        not null check (target_type ~ '^[A-Z][A-Z_]{1,31}$'),
    target_id     text        not null check (length(target_id) between 1 and 200),  -- a node: cluster id / name
    request_id    text        check (length(request_id) <= 128),
    details       jsonb       not null check (jsonb_typeof(details) = 'object'),
    check (num_nonnulls(tenant_id, operator_id) = 1)
);
create index audit_events_tenant on audit_events (tenant_id, id desc) where tenant_id is not null;
create index audit_events_target on audit_events (tenant_id, target_id, id desc) where tenant_id is not null;
create index audit_events_operator on audit_events (operator_id, id desc) where operator_id is not null;
create index audit_events_actor on audit_events (actor, id desc);  -- what one account did, everywhere (platform admins)
alter table audit_events enable row level security;
alter table audit_events force row level security;
-- A tenant's rows as every tenant-owned row. An operator's rows belong to no tenant: read in the platform scope only
-- (the operator's read names its operator), written from the catalog's transactions, which set no tenant.
create policy tenant_isolation on audit_events
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant() or tenant_id is null);

create function audit_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the audit trail is append-only: % on % refused', tg_op, tg_table_name
        using errcode = '42501';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_append_only();

-- A tenant whose webhook names 'audit.recorded' receives each event as it is written (a security team streams its
-- trail into its own store, as GitHub's audit log streaming does), through the same outbox, in the same
-- transaction: an event delivered is one that committed.
create function myriad_audit_event() returns trigger language plpgsql as $$
begin
    if new.tenant_id is null  -- an operator's event: operators have no webhook
       or not exists (select 1 from webhooks w where w.tenant_id = new.tenant_id and 'audit.recorded' = any (w.events))
    then
        return null;
    end if;
    perform myriad_webhook_event(new.tenant_id, 'audit.recorded',
                                 jsonb_build_object('auditEventId', new.id, 'tenantId', new.tenant_id,
                                                    'at', myriad_utc_text(new.at),
                                                    'actor', jsonb_build_object('username', new.actor,
                                                                                'subject', new.actor_subject,
                                                                                'role', new.actor_role),
                                                    'action', new.action,
                                                    'target', jsonb_build_object('type', new.target_type,
                                                                                 'id', new.target_id),
                                                    'requestId', new.request_id, 'details', new.details));
    return null;
end $$;
create trigger audit_events_webhook after insert on audit_events
    for each row execute function myriad_audit_event();
