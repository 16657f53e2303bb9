-- A fourth maintenance event (asked for, as the other three of V62): `maintenance.rescheduled`, a window moved or made
-- longer or shorter (updateMaintenance), sent to the tenants using the cluster as the others are, with the new
-- startAt, endAt and endsAt. A tenant whose reservation the window overlapped before the move is told too (its
-- reservation is free of it now); `reservations` names those the window overlaps as it is now.
create or replace function maintenance_event() returns trigger language plpgsql as $$
declare
    type text := case when tg_op = 'INSERT' then 'maintenance.scheduled'
                      when new.cancelled_at is not null and old.cancelled_at is null then 'maintenance.cancelled'
                      when new.completed_at is not null and old.completed_at is null then 'maintenance.completed'
                      when new.start_at is distinct from old.start_at or new.end_at is distinct from old.end_at
                          then 'maintenance.rescheduled' end;
    ends timestamptz := case when new.cancelled_at is not null then new.start_at
                             else least(coalesce(new.completed_at, new.end_at), new.end_at) end;
    out_cards jsonb;
begin
    if type is null or not exists (select 1 from webhooks w where type = any (w.events)) then
        return null;
    end if;
    select coalesce(jsonb_object_agg(x.model, x.cards), '{}'::jsonb) into out_cards
      from (select n.gpu_model as model, sum(n.gpus) as cards from nodes n
             where n.cluster_id = new.cluster_id and n.name = any (new.nodes) and n.gpus > 0
             group by n.gpu_model) x;
    perform myriad_webhook_event(w.tenant_id, type, jsonb_build_object(
                'maintenanceId', new.id, 'clusterId', new.cluster_id,
                'startAt', myriad_utc_text(new.start_at), 'endAt', myriad_utc_text(new.end_at),
                'endsAt', myriad_utc_text(ends), 'reason', new.reason,
                'nodes', to_jsonb(new.nodes), 'cards', out_cards,
                'reservations', coalesce((select jsonb_agg(r.id order by r.id) from reservations r
                                           where r.tenant_id = w.tenant_id and r.cluster_id = new.cluster_id
                                             and r.status = 'CONFIRMED' and r.start_at < new.end_at
                                             and r.end_at > new.start_at and out_cards ? r.model), '[]'::jsonb),
                'runningJobs', (select count(*) from jobs j
                                 where j.tenant_id = w.tenant_id and j.cluster_id = new.cluster_id
                                   and j.state = 'RUNNING'
                                   and exists (select 1 from jsonb_array_elements(j.placement::jsonb -> 'nodes') e
                                                where e ->> 'node' = any (new.nodes)))))
      from webhooks w
     where type = any (w.events)
       and (exists (select 1 from reservations r
                     where r.tenant_id = w.tenant_id and r.cluster_id = new.cluster_id and r.status = 'CONFIRMED'
                       and (r.start_at < new.end_at and r.end_at > new.start_at
                            or tg_op = 'UPDATE' and r.start_at < old.end_at and r.end_at > old.start_at))
            or exists (select 1 from jobs j
                        where j.tenant_id = w.tenant_id and j.cluster_id = new.cluster_id
                          and j.state in ('QUEUED', 'RUNNING', 'HELD')));
    return null;
end $$;
drop trigger maintenance_windows_told on maintenance_windows;
create trigger maintenance_windows_told
    after insert or update of cancelled_at, completed_at, start_at, end_at on maintenance_windows
    for each row execute function maintenance_event();
