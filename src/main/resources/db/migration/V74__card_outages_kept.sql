-- A card put back in service keeps its row (listCardOutages, docs/catalog.md): when it came back and who said so, so
-- that an operator can list which cards failed over a month (what the vendor's RMA asks) and how long each was out.
-- A card is out now while its row has no back_at; one card has at most one such row.
alter table node_cards_out drop constraint node_cards_out_pkey;
alter table node_cards_out add column id bigint generated always as identity primary key;
alter table node_cards_out add column back_at timestamptz;
alter table node_cards_out add column back_by text;
alter table node_cards_out add constraint node_cards_out_back_after check (back_at is null or back_at >= since);
create unique index node_cards_out_now on node_cards_out (node_id, card) where back_at is null;
create index node_cards_out_by_node on node_cards_out (node_id, since);

create or replace function nodes_count_cards_out() returns trigger language plpgsql as $$
begin
    update nodes n set cards_out = (select count(*) from node_cards_out o where o.node_id = n.id and o.back_at is null)
     where n.id in (select node_id from changed_rows)
       and n.cards_out <> (select count(*) from node_cards_out o where o.node_id = n.id and o.back_at is null);
    return null;
end $$;
create trigger node_cards_out_back after update on node_cards_out
    referencing new table as changed_rows for each statement execute function nodes_count_cards_out();
