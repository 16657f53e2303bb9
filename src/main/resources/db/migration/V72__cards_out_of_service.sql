-- A card out of service on a node that stays in service (docs/catalog.md, "A card out of service"): at 10,000 cards a
-- card fails every few days (an Ascend chip fault, an NVIDIA Xid), and taking its whole node down for it would idle
-- the node's other cards. One row per card out, with why and since when; a card is back when its row is deleted.
create table node_cards_out (
    node_id  uuid        not null references nodes (id) on delete cascade,
    card     smallint    not null check (card >= 0),
    reason   text        not null check (length(reason) between 1 and 500),
    since    timestamptz not null,
    set_by   text        not null,
    primary key (node_id, card)
);

-- The node's row counts them (kept by the trigger below, in the writer's transaction), so that every query summing a
-- node's cards can sum those in service, and so that a change of them is a change of the node: it reaches the
-- scheduling loop's inbox (V13's trigger) and the node's history (below) as a state change does.
alter table nodes add column cards_out smallint not null default 0;
alter table nodes add column cards_in_service int generated always as (gpus - cards_out) stored;
alter table nodes add constraint nodes_cards_out_within check (cards_out between 0 and gpus);

create function nodes_count_cards_out() returns trigger language plpgsql as $$
begin
    update nodes n set cards_out = (select count(*) from node_cards_out o where o.node_id = n.id)
     where n.id in (select node_id from changed_rows)
       and n.cards_out <> (select count(*) from node_cards_out o where o.node_id = n.id);
    return null;
end $$;
create trigger node_cards_out_added after insert on node_cards_out
    referencing new table as changed_rows for each statement execute function nodes_count_cards_out();
create trigger node_cards_out_removed after delete on node_cards_out
    referencing old table as changed_rows for each statement execute function nodes_count_cards_out();

-- The history of V71 records the cards out too: from `at` on, `cards_out` of the node's `cards` were out of service
-- (counted down by the occupancy), whatever the node's state.
alter table node_state_history add column cards_out int not null default 0 check (cards_out >= 0);

create or replace function node_state_history_changed() returns trigger language plpgsql as $$
begin
    insert into node_state_history (cluster_id, node, gpu_model, cards, cards_out, state, at)
    select c.cluster_id, c.name, c.gpu_model, c.gpus, c.cards_out, c.state, now()
      from (select o.cluster_id, o.name, o.gpu_model, o.gpus, 0 as cards_out, 'REMOVED' as state, 0 as step
              from old_rows o join new_rows n on n.id = o.id
             where o.gpus > 0 and (n.gpus <> o.gpus or n.gpu_model is distinct from o.gpu_model)
            union all
            select n.cluster_id, n.name, n.gpu_model, n.gpus, n.cards_out, n.state, 1
              from old_rows o join new_rows n on n.id = o.id
             where n.gpus > 0 and (n.state <> o.state or n.gpus <> o.gpus or n.cards_out <> o.cards_out
                                   or n.gpu_model is distinct from o.gpu_model)) c
     order by c.cluster_id, c.name, c.step;
    return null;
end $$;
