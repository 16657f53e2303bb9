-- A job's name: the tenant's own words for it (Slurm's --job-name, a Kubernetes name), shown in lists and exports
-- beside the id. Optional, not unique (a nightly job may run under one name every night), 1-128 characters.
alter table jobs add column name text check (name is null or char_length(name) between 1 and 128);
create index jobs_tenant_name on jobs (tenant_id, name, id) where name is not null;

-- A job's events carry its name too (null for none), so a receiver can say which job in its own words. The rest as
-- V24 wrote it.
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
                                                    'tags', coalesce(j.tags, '{}'::jsonb),
                                                    'name', j.name))
       from jobs j
      where j.id = new.job_id;
    return null;
end $$;
