-- Platform-wide acts belong to no tenant and no operator (a billing period's close invoices every tenant and settles
-- every operator at once): their events name neither, and only platform admins read them (listPlatformAuditEvents),
-- as every row outside a tenant's scope. The row-level policy of V25 already lets the platform scope write them.
alter table audit_events drop constraint audit_events_check;
alter table audit_events add constraint audit_events_one_owner_at_most
    check (num_nonnulls(tenant_id, operator_id) <= 1);
create index audit_events_platform on audit_events (id desc) where tenant_id is null and operator_id is null;
