-- Two reservation events a tenant's webhook may ask for (neither is in the default set: a receiver written for the
-- default meets no new type):
-- `reservation.ending`: its window ends within the notice (myriad.market.reservation-ending-notice, an hour), sent
--   once per end, while it is ACTIVE, with the jobs still running in it: what will stop unless it is extended.
--   ending_notice_for is the end the notice was sent for; an extension moves the end, so the new end gets its own.
--   Written by ReservationNotices' round (one statement on every replica: a row's update is made once).
-- `reservation.extended`: an extension bought (extendReservation), in the transaction that bought it.

alter table reservations add column ending_notice_for timestamptz;
create index reservations_ending on reservations (end_at) where status = 'CONFIRMED';

create function reservation_ending_noticed() returns trigger language plpgsql as $$
begin
    perform myriad_webhook_event(new.tenant_id, 'reservation.ending',
            jsonb_build_object('reservationId', new.id, 'tenantId', new.tenant_id, 'projectId', new.project_id,
                               'clusterId', new.cluster_id, 'model', new.model, 'cards', new.cards,
                               'endAt', myriad_utc_text(new.end_at),
                               'runningJobs', (select count(*) from jobs j
                                                where j.cluster_id = new.cluster_id and j.state = 'RUNNING'
                                                  and j.reservation_id = new.id)));
    return null;
end $$;
create trigger reservations_ending after update of ending_notice_for on reservations
    for each row when (new.ending_notice_for is distinct from old.ending_notice_for
                       and new.ending_notice_for is not null)
    execute function reservation_ending_noticed();

create function reservation_extension_made() returns trigger language plpgsql as $$
begin
    perform myriad_webhook_event(new.tenant_id, 'reservation.extended',
            jsonb_build_object('reservationId', new.reservation_id, 'tenantId', new.tenant_id,
                               'extensionId', new.id, 'fromAt', myriad_utc_text(new.from_at),
                               'toAt', myriad_utc_text(new.to_at), 'cards', new.cards,
                               'totalPrice', jsonb_build_object('amountMinor', new.total_minor,
                                                                'currency', new.currency)));
    return null;
end $$;
create trigger reservation_extensions_extended after insert on reservation_extensions
    for each row execute function reservation_extension_made();
