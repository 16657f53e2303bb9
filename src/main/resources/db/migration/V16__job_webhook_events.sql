-- A webhook receives the event types it subscribes to. Jobs' lifecycle events join alerts and reservation events:
-- `job.started`, `job.preempted`, `job.succeeded`, `job.failed`, `job.cancelled`. A webhook set before (or set
-- without naming events) keeps what it received: alerts and reservation events; job events are asked for, since a
-- tenant running thousands of jobs an hour gets thousands of posts.
alter table webhooks add column events text[] not null
    default array['alert.raised', 'reservation.restored', 'reservation.short'];  -- sorted, as the API keeps them

-- The outbox row of an event for a tenant, if its webhook subscribes to the type: written in the transaction that
-- makes the event, so it is never lost and never queued twice. Every event the database raises goes through here.
create function myriad_webhook_event(tenant uuid, type text, data jsonb) returns void language sql as $$
    insert into webhook_deliveries (id, tenant_id, alert_id, event_id, event_type, payload, state, attempts,
                                    next_attempt_at, created_at)
    select myriad_uuid_v7(), tenant, null, e.id, type,
           jsonb_build_object('id', e.id, 'type', type, 'createdAt', myriad_utc_text(now()), 'data', data)::text,
           'PENDING', 0, now(), now()
      from webhooks w cross join (select myriad_uuid_v7() as id) e
     where w.tenant_id = tenant and type = any (w.events)
$$;

-- A reservation event (V15) goes only to a webhook that subscribes to its type.
create or replace function myriad_reservation_event(reservation uuid, type text, cards_short int, since timestamptz)
        returns void language sql as $$
    select myriad_webhook_event(r.tenant_id, type,
                                jsonb_build_object('reservationId', r.id, 'tenantId', r.tenant_id,
                                                   'projectId', r.project_id, 'clusterId', r.cluster_id,
                                                   'model', r.model, 'cards', r.cards, 'cardsShort', cards_short,
                                                   'since', myriad_utc_text(since)))
      from reservations r
     where r.id = reservation
$$;

-- A job's transition into a state a tenant acts on is an event, written by the transaction that wrote the
-- transition (the loop's start, an agent's report, a cancel, a node going down). `sequence` is the transition's
-- number in the job's history: deliveries may arrive out of order (retries), and a receiver orders a job's events
-- by it. `at` is the transition's time, to the millisecond.
create function myriad_job_event() returns trigger language plpgsql as $$
declare
    type text := case new.to_state when 'RUNNING' then 'job.started'
                                   when 'PREEMPTED' then 'job.preempted'
                                   when 'SUCCEEDED' then 'job.succeeded'
                                   when 'FAILED' then 'job.failed'
                                   when 'CANCELLED' then 'job.cancelled' end;
begin
    -- The common case, a tenant without a webhook or one not subscribed: one look-up by key, nothing written.
    if type is null or not exists (select 1 from webhooks w
                                    where w.tenant_id = new.tenant_id and type = any (w.events)) then
        return null;
    end if;
    perform myriad_webhook_event(j.tenant_id, type,
                                 jsonb_build_object('jobId', j.id, 'tenantId', j.tenant_id,
                                                    'projectId', j.project_id, 'clusterId', j.cluster_id,
                                                    'model', j.model, 'cards', trim_scale(j.cards_milli / 1000.0),
                                                    'class', j.price_class, 'state', new.to_state,
                                                    'reason', new.reason, 'attempt', j.attempt,
                                                    'sequence', new.seq,
                                                    'at', to_char(new.at at time zone 'UTC',
                                                                  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       from jobs j
      where j.id = new.job_id;
    return null;
end $$;

-- QUEUED (a submission, a requeue) is no event: the submitter has the answer, and a requeue follows its
-- `job.preempted`. The condition is checked without calling the function, so submissions pay nothing.
create trigger job_transitions_events after insert on job_transitions
    for each row when (new.to_state <> 'QUEUED')
    execute function myriad_job_event();

-- A tenant's delivery log is read newest first by id (`listWebhookDeliveries`), and job events make it long: the
-- index follows that order (the one it replaces, by creation time, matched no query).
drop index webhook_deliveries_tenant;
create index webhook_deliveries_tenant on webhook_deliveries (tenant_id, id);
