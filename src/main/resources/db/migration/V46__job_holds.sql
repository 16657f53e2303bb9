-- A tenant may hold a queued job (Slurm's `scontrol hold`, Kueue's inactive workload) and release it later: HELD is
-- a resting state between QUEUED and QUEUED again; a held job is in no scheduler's queue and can be cancelled.
alter table jobs drop constraint jobs_state_check;
alter table jobs add constraint jobs_state_check
    check (state in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PREEMPTED', 'HELD'));

-- When the job last became eligible to start: its submission, or its last release from a hold. The queue's order
-- (a job's area halving as it waits, the aging threshold) counts from it, as Slurm's age factor counts from a job's
-- eligible time: a hold is no way to age a job before it may run and then jump the queue with it.
alter table jobs add column eligible_at timestamptz;
update jobs set eligible_at = created_at;
alter table jobs alter column eligible_at set not null;

-- The scheduling loop hears of a hold (the job leaves its queue) and of a release (it joins it again).
alter table scheduler_inbox drop constraint scheduler_inbox_kind_check;
alter table scheduler_inbox add constraint scheduler_inbox_kind_check
    check (kind in ('SUBMITTED', 'ENDED', 'REQUEUED', 'NODES', 'HELD', 'RELEASED'));

-- A hold and a release are events too, for a webhook that names them: `job.held` (to HELD) and `job.released` (HELD
-- to QUEUED, reason RELEASED; other moves into QUEUED, a submission or a requeue, stay no event). The rest as V43.
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
                                                    'name', j.name))
       from jobs j
      where j.id = new.job_id;
    return null;
end $$;

-- Submissions and requeues still pay nothing: only a move into QUEUED from HELD calls the function.
drop trigger job_transitions_events on job_transitions;
create trigger job_transitions_events after insert on job_transitions
    for each row when (new.to_state <> 'QUEUED' or new.from_state = 'HELD')
    execute function myriad_job_event();

-- The operator's queue (`getClusterQueue`) counts held jobs too: the live jobs' index covers them, so that query
-- stays on it (the loop's and the estimates' reads of QUEUED or RUNNING jobs imply its predicate and keep using it).
drop index jobs_cluster_live;
create index jobs_cluster_live on jobs (cluster_id, state, created_at) where state in ('QUEUED', 'RUNNING', 'HELD');
