-- Marketplace: the price books of the clusters. A price book is versioned and append-only: every change by the
-- operator writes a new version with its time, and quotes and reservations (later) keep the version they were
-- sold at. Prices are public to every buyer, so these tables are catalog-level (no tenant, no row-level security).

create table price_books (
    cluster_id                  uuid        not null references clusters (id),
    version                     int         not null check (version >= 1),
    currency                    text        not null check (currency ~ '^[A-Z]{3}$'),
    same_block_premium_percent  int         not null default 0 check (same_block_premium_percent between 0 and 1000),
    effective_at                timestamptz not null,
    set_by                      text        not null,
    primary key (cluster_id, version)
);

-- One price per card model and class. Money is whole minor units of the book's currency, never floating point.
-- A SPOT price may carry a floor and a ceiling: its price then follows the cluster's utilization between them.
create table prices (
    cluster_id        uuid   not null,
    version           int    not null,
    model             text   not null,
    price_class       text   not null check (price_class in ('RESERVED', 'ON_DEMAND', 'SPOT')),
    unit_price_minor  bigint not null check (unit_price_minor >= 0),
    floor_minor       bigint check (floor_minor >= 0),
    ceiling_minor     bigint check (ceiling_minor >= 0),
    primary key (cluster_id, version, model, price_class),
    foreign key (cluster_id, version) references price_books (cluster_id, version),
    check ((floor_minor is null) = (ceiling_minor is null)),
    check (floor_minor is null or price_class = 'SPOT'),
    check (floor_minor is null or (floor_minor <= unit_price_minor and unit_price_minor <= ceiling_minor))
);
