-- The SPOT price of each cluster and model over time, as buyers were offered it: a row each time it changed (the
-- cluster's utilization moved it between the book's floor and ceiling, or a new book version set it), sampled by
-- SpotPriceHistory's round (a minute; one replica at a time by an advisory lock). The price holds from `at` until
-- the next row. Public like the price books it comes from: no tenant, no row-level security.
create table spot_prices (
    cluster_id          uuid          not null references clusters (id),
    model               text          not null,
    at                  timestamptz   not null,
    price_book_version  int           not null,
    currency            text          not null,
    unit_price_minor    bigint        not null check (unit_price_minor >= 0),
    utilization         numeric(5, 4) not null check (utilization between 0 and 1),
    primary key (cluster_id, model, at)
);
