-- Which nodes each reservation holds (its window is open) or keeps for its window to come, as the cluster's
-- scheduling loop chose them (docs/market.md): written by the loop when its choice changes, fenced by its leader
-- epoch, and read by the reservation's tenant (listReservationNodes). A node is held by one reservation and kept for
-- at most one window to come; `since` is when the loop first gave it to that reservation in that way.
create table reservation_nodes (
    cluster_id      uuid        not null references clusters (id),
    node            text        not null,
    kind            text        not null check (kind in ('HELD', 'KEPT')),
    reservation_id  uuid        not null references reservations (id),
    tenant_id       uuid        not null references tenants (id),
    since           timestamptz not null,
    primary key (cluster_id, node, kind)
);
create index reservation_nodes_reservation on reservation_nodes (reservation_id);
alter table reservation_nodes enable row level security;
alter table reservation_nodes force row level security;
create policy tenant_isolation on reservation_nodes
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
