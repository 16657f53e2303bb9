-- A node's state set by its operator (drain, down, back in service) or nodes imported reach the cluster's scheduling
-- loop through its inbox at once, on whichever replica leads it, as the agents' node events do: without this the
-- loop saw them at its next periodic read of the nodes (up to 10 s), and could place work on a node being drained
-- meanwhile, or leave a reservation short on a node taken down without recording it.
create function scheduler_inbox_for_nodes() returns trigger language plpgsql as $$
begin
    insert into scheduler_inbox (cluster_id, job_id, kind, at)
    select distinct n.cluster_id, null::uuid, 'NODES', now() from new_rows n order by 1;
    return null;
end $$;
create trigger nodes_changed_reach_the_loop after update on nodes
    referencing new table as new_rows for each statement execute function scheduler_inbox_for_nodes();
create trigger nodes_added_reach_the_loop after insert on nodes
    referencing new table as new_rows for each statement execute function scheduler_inbox_for_nodes();
