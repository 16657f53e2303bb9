-- A job's tags: the tenant's own key-value labels (team, experiment, cost centre), shown in its view, filterable in
-- the list of jobs, and carried into the FOCUS export's Tags column beside the provider's own (`myriad/project`).
-- Null when a job has none.
alter table jobs add column tags jsonb check (tags is null or jsonb_typeof(tags) = 'object');
create index jobs_tags on jobs using gin (tags jsonb_path_ops) where tags is not null;

-- A job's events carry its tags, so that a receiver can route them (by team, by experiment) without asking for the
-- job; `{}` for none. The rest as V16 wrote it.
create or replace function myriad_job_event() returns trigger language plpgsql as $$
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
                                                                  'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                                    'tags', coalesce(j.tags, '{}'::jsonb)))
       from jobs j
      where j.id = new.job_id;
    return null;
end $$;
