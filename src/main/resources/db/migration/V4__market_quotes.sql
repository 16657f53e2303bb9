-- Quotes: "when, where and at what price", valid for a few minutes. Creating a reservation with a quote's id
-- gets that exact price, even if the price book changed meanwhile. Tenant-owned.

create table quotes (
    id                  uuid primary key,
    tenant_id           uuid        not null references tenants (id),
    cluster_id          uuid        not null references clusters (id),
    model               text        not null,
    cards               int         not null check (cards between 1 and 1000000),
    price_class         text        not null check (price_class in ('RESERVED', 'ON_DEMAND', 'SPOT')),
    same_block          boolean     not null,
    start_at            timestamptz,
    end_at              timestamptz,
    max_run_seconds     bigint      check (max_run_seconds > 0),
    price_book_version  int         not null,
    currency            text        not null,
    unit_price_minor    bigint      not null check (unit_price_minor >= 0),
    total_minor         bigint      not null check (total_minor >= 0),
    earliest_start_at   timestamptz not null,
    expires_at          timestamptz not null,
    created_at          timestamptz not null,
    version             bigint      not null default 0
);
create index quotes_tenant_order on quotes (tenant_id, id);
alter table quotes enable row level security;
alter table quotes force row level security;
create policy tenant_isolation on quotes
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
