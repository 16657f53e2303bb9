-- Myriad foundation schema: tenancy (tenant-owned, row-level secured) and the cluster catalog (operator-owned).
--
-- Row-level security is the second wall of tenant isolation (the first is that every repository method takes
-- the tenant). Every transaction of the service sets either `myriad.tenant_id` (the caller's tenant) or
-- `myriad.scope = 'platform'` (a platform-admin use case) with set_config(..., true), which lasts until the
-- transaction ends. A query that forgets both sees no tenant-owned row and cannot write one.
-- FORCE makes the policies apply to the table owner too, so the service may own its tables.

create function myriad_current_tenant() returns uuid
    language sql stable
    as $$ select nullif(current_setting('myriad.tenant_id', true), '')::uuid $$;

create function myriad_platform_scope() returns boolean
    language sql stable
    as $$ select coalesce(current_setting('myriad.scope', true), '') = 'platform' $$;

-- Tenancy ------------------------------------------------------------------------------------------------

create table tenants (
    id          uuid primary key,
    slug        text        not null unique check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    name        text        not null check (length(name) between 1 and 200),
    status      text        not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED')),
    created_at  timestamptz not null,
    version     bigint      not null default 0
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
    using (myriad_platform_scope() or id = myriad_current_tenant())
    with check (myriad_platform_scope());

create table projects (
    id          uuid primary key,
    tenant_id   uuid        not null references tenants (id),
    slug        text        not null check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    name        text        not null check (length(name) between 1 and 200),
    description text,
    created_at  timestamptz not null,
    version     bigint      not null default 0,
    unique (tenant_id, slug)
);
create index projects_tenant_order on projects (tenant_id, id);
alter table projects enable row level security;
alter table projects force row level security;
create policy tenant_isolation on projects
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

create table members (
    id               uuid primary key,
    tenant_id        uuid        not null references tenants (id),
    username         text        not null check (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
    email            text        not null,
    first_name       text,
    last_name        text,
    roles            text[]      not null,
    identity_user_id text,
    created_at       timestamptz not null,
    version          bigint      not null default 0
);
-- One tenant per identity: a user name is unique across the platform (see docs/design/tenant-in-token.md).
create unique index members_username on members (username);
create index members_tenant_order on members (tenant_id, id);
alter table members enable row level security;
alter table members force row level security;
create policy tenant_isolation on members
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- Idempotency: the first result of a retryable write, keyed by who asked and the key they sent.
-- The record is written in the same transaction as the write it guards, so both land or neither does.
create table idempotency_records (
    scope           text        not null,
    idempotency_key text        not null check (length(idempotency_key) between 1 and 255),
    tenant_id       uuid,
    request_hash    text        not null,
    response_status int,
    response_body   text,
    response_location text,
    created_at      timestamptz not null,
    primary key (scope, idempotency_key)
);
alter table idempotency_records enable row level security;
alter table idempotency_records force row level security;
create policy tenant_isolation on idempotency_records
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant() or tenant_id is null)
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant() or tenant_id is null);

-- Cluster catalog --------------------------------------------------------------------------------------

create table operators (
    id          uuid primary key,
    slug        text        not null unique check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    name        text        not null,
    created_at  timestamptz not null,
    version     bigint      not null default 0
);

create table clusters (
    id          uuid primary key,
    operator_id uuid        not null references operators (id),
    slug        text        not null check (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    name        text        not null,
    region      text        not null,
    created_at  timestamptz not null,
    version     bigint      not null default 0,
    unique (operator_id, slug)
);

-- A node's place in the topology: block (one high-bandwidth fabric domain) > rack (one leaf switch) > node.
-- Its cards are `gpus` cards of one `gpu_model`, each of 1000 milli-cards.
create table nodes (
    id          uuid primary key,
    cluster_id  uuid        not null references clusters (id),
    name        text        not null,
    gpu_model   text,
    gpus        int         not null check (gpus >= 0),
    cpu_milli   bigint      not null check (cpu_milli >= 0),
    memory_mib  bigint      not null check (memory_mib >= 0),
    rack        text        not null,
    block       text        not null,
    state       text        not null default 'AVAILABLE' check (state in ('AVAILABLE', 'DRAINING', 'DOWN')),
    created_at  timestamptz not null,
    updated_at  timestamptz not null,
    check ((gpus = 0) = (gpu_model is null)),
    unique (cluster_id, name)
);
create index nodes_cluster_model on nodes (cluster_id, gpu_model, state);
