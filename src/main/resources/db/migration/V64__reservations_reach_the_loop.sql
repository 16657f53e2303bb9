-- A reservation bought, extended or cancelled reaches its cluster's scheduling loop at once, through its inbox (a
-- NODES message: the loop reads nodes and holds again), as node changes do (V13) and maintenance windows (V61).
-- Without it the loop saw reservations at its periodic refresh (2 s): a reservation extended in the last two seconds
-- of its window could have its jobs ended at the old end (RESERVATION_ENDED), and one bought to start now waited up
-- to 2 s to take its nodes. Row-level, for the columns that move the holds only: the ending notices' marks
-- (ending_notice_for, every 30 s) and other updates wake nobody.
create function scheduler_inbox_for_reservation() returns trigger language plpgsql as $$
begin
    insert into scheduler_inbox (cluster_id, job_id, kind, at) values (new.cluster_id, null, 'NODES', now());
    return null;
end $$;
create trigger reservations_reach_the_loop after insert on reservations
    for each row execute function scheduler_inbox_for_reservation();
create trigger reservation_changes_reach_the_loop after update of end_at, status, start_at on reservations
    for each row when (new.end_at is distinct from old.end_at or new.status is distinct from old.status
                       or new.start_at is distinct from old.start_at)
    execute function scheduler_inbox_for_reservation();
