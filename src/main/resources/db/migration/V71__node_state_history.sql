-- What a cluster's cards were, over time (getClusterOccupancy, docs/metering.md "Occupancy"): every change of a GPU
-- node's state, card count or model, and its removal, as a row, written by triggers on nodes so that no writer (an
-- import, setNodeState, the agents' node events, a maintenance window, removeNode) can forget it. A node's state
-- holds from its row's `at` to the next row of that node (REMOVED: gone). Nodes without cards are left out.
create table node_state_history (
    id          bigint generated always as identity primary key,
    cluster_id  uuid        not null references clusters (id),
    node        text        not null,
    gpu_model   text,
    cards       int         not null check (cards >= 0),
    state       text        not null check (state in ('AVAILABLE', 'DRAINING', 'DOWN', 'REMOVED')),
    at          timestamptz not null
);
create index node_state_history_cluster on node_state_history (cluster_id, node, at, id);

-- The nodes known today, each from when it was first known in the state it has now: what they were before this
-- migration is not known (an occupancy before it counts them in their state of today).
insert into node_state_history (cluster_id, node, gpu_model, cards, state, at)
select cluster_id, name, gpu_model, gpus, state, created_at from nodes where gpus > 0 order by cluster_id, name;

create function node_state_history_added() returns trigger language plpgsql as $$
begin
    insert into node_state_history (cluster_id, node, gpu_model, cards, state, at)
    select n.cluster_id, n.name, n.gpu_model, n.gpus, n.state, now() from new_rows n where n.gpus > 0
     order by n.cluster_id, n.name;
    return null;
end $$;
create trigger nodes_added_into_history after insert on nodes
    referencing new table as new_rows for each statement execute function node_state_history_added();

-- A change of cards or model ends what the node was (REMOVED) before it starts as what it is.
create function node_state_history_changed() returns trigger language plpgsql as $$
begin
    insert into node_state_history (cluster_id, node, gpu_model, cards, state, at)
    select c.cluster_id, c.name, c.gpu_model, c.gpus, c.state, now()
      from (select o.cluster_id, o.name, o.gpu_model, o.gpus, 'REMOVED' as state, 0 as step
              from old_rows o join new_rows n on n.id = o.id
             where o.gpus > 0 and (n.gpus <> o.gpus or n.gpu_model is distinct from o.gpu_model)
            union all
            select n.cluster_id, n.name, n.gpu_model, n.gpus, n.state, 1
              from old_rows o join new_rows n on n.id = o.id
             where n.gpus > 0 and (n.state <> o.state or n.gpus <> o.gpus
                                   or n.gpu_model is distinct from o.gpu_model)) c
     order by c.cluster_id, c.name, c.step;
    return null;
end $$;
create trigger nodes_changed_into_history after update on nodes
    referencing old table as old_rows new table as new_rows for each statement
    execute function node_state_history_changed();

create function node_state_history_removed() returns trigger language plpgsql as $$
begin
    insert into node_state_history (cluster_id, node, gpu_model, cards, state, at)
    select o.cluster_id, o.name, o.gpu_model, o.gpus, 'REMOVED', now() from old_rows o where o.gpus > 0
     order by o.cluster_id, o.name;
    return null;
end $$;
create trigger nodes_removed_into_history after delete on nodes
    referencing old table as old_rows for each statement execute function node_state_history_removed();

-- The occupancy reads a cluster's closed runs by when they ended.
create index job_segments_cluster_ended on job_segments (cluster_id, ended_at);
