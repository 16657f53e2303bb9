-- Reservations: a tenant buys a block of cards of one model on one cluster from start_at to end_at, at the
-- price of the price book version in force. Tenant-owned (row-level security like every tenant row).

create table reservations (
    id                      uuid primary key,
    tenant_id               uuid        not null references tenants (id),
    project_id              uuid        not null references projects (id),
    cluster_id              uuid        not null references clusters (id),
    model                   text        not null,
    cards                   int         not null check (cards between 1 and 1000000),
    start_at                timestamptz not null,
    end_at                  timestamptz not null,
    same_block              boolean     not null,
    block                   text,
    status                  text        not null check (status in ('CONFIRMED', 'CANCELLED')),
    price_book_version      int         not null,
    currency                text        not null,
    unit_price_minor        bigint      not null check (unit_price_minor >= 0),
    total_minor             bigint      not null check (total_minor >= 0),
    cancellation_fee_minor  bigint      check (cancellation_fee_minor >= 0),
    cancelled_at            timestamptz,
    created_at              timestamptz not null,
    version                 bigint      not null default 0,
    check (end_at > start_at),
    check ((status = 'CANCELLED') = (cancelled_at is not null))
);
create index reservations_tenant_order on reservations (tenant_id, id);
alter table reservations enable row level security;
alter table reservations force row level security;
create policy tenant_isolation on reservations
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- The capacity calendar: the cards each live reservation holds, per cluster and model (and block for a
-- same-block one). No tenant column and no row-level security on purpose: every buyer's transaction must see
-- every hold to know what is left, and holds say nothing about who holds them. Writers serialise per cluster and
-- model with a transaction-level advisory lock, which holds across service replicas; a cancelled reservation's
-- hold is deleted in the same transaction.
create table capacity_holds (
    reservation_id  uuid        primary key references reservations (id),
    cluster_id      uuid        not null references clusters (id),
    model           text        not null,
    block           text,
    cards           int         not null check (cards > 0),
    start_at        timestamptz not null,
    end_at          timestamptz not null,
    check (end_at > start_at)
);
create index capacity_holds_calendar on capacity_holds (cluster_id, model, end_at);
