-- Tenants' webhooks carry reservation events as well as alerts: `reservation.short` when a reservation's shortfall
-- begins or changes (nodes out of service under it and none to stand in), `reservation.restored` when it holds all
-- its cards again. A delivery's event id (the `Myriad-Event-Id` header, what a receiver deduplicates on) is now
-- its own column: an alert's id for an alert, a new id for a reservation event.
alter table webhook_deliveries add column event_id uuid;
update webhook_deliveries set event_id = alert_id;
alter table webhook_deliveries alter column event_id set not null;
alter table webhook_deliveries add constraint webhook_deliveries_event_once unique (event_id);
alter table webhook_deliveries alter column alert_id drop not null;

create function myriad_utc_text(t timestamptz) returns text language sql immutable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The outbox row of a reservation event, in the transaction that wrote the shortfall, if the tenant has a webhook
-- (as an alert's: written with what it reports, never lost, never queued twice).
create function myriad_reservation_event(reservation uuid, type text, cards_short int, since timestamptz)
        returns void language plpgsql as $$
declare
    event uuid := myriad_uuid_v7();
begin
    insert into webhook_deliveries (id, tenant_id, alert_id, event_id, event_type, payload, state, attempts,
                                    next_attempt_at, created_at)
    select myriad_uuid_v7(), r.tenant_id, null, event, type,
           jsonb_build_object('id', event, 'type', type, 'createdAt', myriad_utc_text(now()),
                              'data', jsonb_build_object('reservationId', r.id, 'tenantId', r.tenant_id,
                                                         'projectId', r.project_id, 'clusterId', r.cluster_id,
                                                         'model', r.model, 'cards', r.cards,
                                                         'cardsShort', cards_short,
                                                         'since', myriad_utc_text(since)))::text,
           'PENDING', 0, now(), now()
      from reservations r join webhooks w on w.tenant_id = r.tenant_id
     where r.id = reservation;
end $$;

create function reservation_shortfall_began() returns trigger language plpgsql as $$
begin
    perform myriad_reservation_event(new.reservation_id, 'reservation.short', new.cards, new.started_at);
    return null;
end $$;
create trigger reservation_shortfalls_short after insert on reservation_shortfalls
    for each row execute function reservation_shortfall_began();

-- A stretch ended: at commit (the loop ends a stretch and opens the next in one transaction when a shortfall only
-- changes), the reservation is restored if it has no open stretch left.
create function reservation_shortfall_ended() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from reservation_shortfalls s
                    where s.reservation_id = new.reservation_id and s.ended_at is null) then
        perform myriad_reservation_event(new.reservation_id, 'reservation.restored', 0, new.ended_at);
    end if;
    return null;
end $$;
create constraint trigger reservation_shortfalls_restored after update of ended_at on reservation_shortfalls
    deferrable initially deferred
    for each row when (old.ended_at is null and new.ended_at is not null)
    execute function reservation_shortfall_ended();
