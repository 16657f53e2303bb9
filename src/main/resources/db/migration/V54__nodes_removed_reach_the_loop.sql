-- A node removed (removeNode) reaches the cluster's scheduling loop through its inbox at once, as nodes imported or
-- changed do (V13): the loop builds its core again without it instead of waiting for its next periodic read.
create function scheduler_inbox_for_removed_nodes() returns trigger language plpgsql as $$
begin
    insert into scheduler_inbox (cluster_id, job_id, kind, at)
    select distinct o.cluster_id, null::uuid, 'NODES', now() from old_rows o order by 1;
    return null;
end $$;
create trigger nodes_removed_reach_the_loop after delete on nodes
    referencing old table as old_rows for each statement execute function scheduler_inbox_for_removed_nodes();
