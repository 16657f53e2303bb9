-- Scheduled maintenance of a cluster's nodes (docs/design/maintenance-windows.md): the operator names nodes and a
-- window; from its start to its end those nodes take no job (the scheduling loop stops what still runs there at the
-- start), before it they take only jobs declared to end by then (preemptible ones excepted), and the capacity
-- calendar sells none of their cards for the window. `end_at` is the planned end; `completed_at` an earlier end
-- (the work done), `cancelled_at` a window called off before it began. Public like the catalog: no tenant, no
-- row-level security (tenants read the schedule of the clusters they buy from).
create table maintenance_windows (
    id            uuid        primary key,
    cluster_id    uuid        not null references clusters (id),
    nodes         text[]      not null check (cardinality(nodes) between 1 and 1000),
    start_at      timestamptz not null,
    end_at        timestamptz not null,
    reason        text        not null,
    created_by    text        not null,
    created_at    timestamptz not null,
    cancelled_at  timestamptz,
    completed_at  timestamptz,
    check (end_at > start_at),
    check (cancelled_at is null or completed_at is null)
);
-- The windows of a cluster not over yet: what the loop, the calendar and the schedule read.
create index maintenance_windows_cluster on maintenance_windows (cluster_id, end_at);
-- A window made, cancelled or completed reaches the cluster's scheduling loop at once, as a node's state does (V13):
-- the loop reads the windows with the nodes. Its start and planned end need no message: the loop's refresh reads
-- the clock.
create trigger maintenance_reaches_the_loop after insert on maintenance_windows
    referencing new table as new_rows for each statement execute function scheduler_inbox_for_nodes();
create trigger maintenance_changes_reach_the_loop after update on maintenance_windows
    referencing new table as new_rows for each statement execute function scheduler_inbox_for_nodes();
