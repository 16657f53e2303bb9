-- What runs on each cluster now, per card model and block, in milli-cards: reported by the cluster's scheduling
-- loop (every few seconds, when it changed) so that offers show the cards free now and a SPOT price can follow
-- utilization. Catalog-owned; no tenant in it.
create table cluster_usage (
    cluster_id  uuid        not null references clusters (id),
    model       text        not null,
    block       text        not null,
    in_use_milli bigint     not null check (in_use_milli >= 0),
    updated_at  timestamptz not null,
    primary key (cluster_id, model, block)
);
