-- A job array (Slurm's sbatch --array, a Kubernetes indexed Job): one submission of N jobs alike, bought at once (its
-- budget, GPU-hours and quotas checked for all N together: all or none), each job its own afterwards (queued, placed,
-- metered and billed as any job) and knowing its index. The array row is written once, with its jobs, and never
-- changes; where its jobs stand is read from them.
create table job_arrays (
    id            uuid        primary key,
    tenant_id     uuid        not null references tenants (id),
    project_id    uuid        not null references projects (id),
    cluster_id    uuid        not null references clusters (id),
    model         text        not null,
    size          int         not null check (size between 1 and 1000),
    -- At most this many of its jobs run at once (Slurm's --array=0-99%10); null: no limit of its own.
    max_running   int         check (max_running between 1 and size),
    submitted_by  text        not null,
    created_at    timestamptz not null
);
create index job_arrays_tenant on job_arrays (tenant_id, id);
alter table job_arrays enable row level security;
alter table job_arrays force row level security;
create policy tenant_isolation on job_arrays
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

alter table jobs add column array_id uuid references job_arrays (id),
                 add column array_index int check (array_index >= 0),
                 add constraint jobs_array_index check ((array_id is null) = (array_index is null));
-- An array's jobs by index (its list, its summary, cancelling it): and no index twice.
create unique index jobs_array on jobs (array_id, array_index) where array_id is not null;

-- A job's events carry its array and index (null for a job submitted alone), so that a receiver knows which share of
-- a sweep ended. The rest as V46 wrote it.
create or replace function myriad_job_event() returns trigger language plpgsql as $$
declare
    type text := case new.to_state when 'RUNNING' then 'job.started'
                                   when 'PREEMPTED' then 'job.preempted'
                                   when 'SUCCEEDED' then 'job.succeeded'
                                   when 'FAILED' then 'job.failed'
                                   when 'CANCELLED' then 'job.cancelled'
                                   when 'HELD' then 'job.held'
                                   when 'QUEUED' then case when new.from_state = 'HELD' then 'job.released' end end;
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
                                                    'name', j.name,
                                                    'arrayId', j.array_id, 'arrayIndex', j.array_index))
       from jobs j
      where j.id = new.job_id;
    return null;
end $$;
