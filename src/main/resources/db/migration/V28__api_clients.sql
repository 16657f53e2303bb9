-- A tenant's API clients: confidential clients of the identity provider for the client-credentials grant, made by
-- the tenant's admins through the API (docs/tenancy.md, "API clients"). The provider holds the secret; this row is
-- the tenant's view of its integrations and the provider's id of each, so that only clients made for the tenant are
-- ever rotated or deleted through it.
create table api_clients (
    id                  uuid primary key,
    tenant_id           uuid        not null references tenants (id),
    name                text        not null check (length(name) between 1 and 100),
    client_id           text        not null,
    roles               text[]      not null,
    provider_id         text,
    created_at          timestamptz not null,
    created_by          text        not null,
    secret_rotated_at   timestamptz
);
-- A client id names one client in the realm, whichever tenant's.
create unique index api_clients_client_id on api_clients (client_id);
create index api_clients_tenant_order on api_clients (tenant_id, id);
alter table api_clients enable row level security;
alter table api_clients force row level security;
create policy tenant_isolation on api_clients
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
