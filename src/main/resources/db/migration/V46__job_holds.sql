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
