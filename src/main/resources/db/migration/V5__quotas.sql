-- Quotas: per tenant (set by platform admins) and per project (set by tenant admins, within the tenant's):
-- limits of concurrent cards per cluster x model (x class), and a money budget per period. One row per tenant
-- or project, the whole document as JSON: it is read and replaced whole. Tenant-owned.

create table quotas (
    tenant_id   uuid        not null references tenants (id),
    scope       text        not null check (scope = 'tenant' or scope ~ '^project:[0-9a-f-]{36}$'),
    document    text        not null,
    updated_at  timestamptz not null,
    updated_by  text        not null,
    primary key (tenant_id, scope)
);
alter table quotas enable row level security;
alter table quotas force row level security;
create policy tenant_isolation on quotas
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
