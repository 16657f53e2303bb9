-- A job's requeues on infrastructure failure (createJob's maxRequeues; docs/jobs.md, "Requeued after a failure of the
-- infrastructure"): how many more times a run ended by its node going down, a card of its going out of service, or its
-- node's maintenance window puts it back in the queue instead of failing it. Counts down with each such requeue; SPOT
-- jobs are requeued always and never count it.
alter table jobs add column requeues_left smallint not null default 0 check (requeues_left between 0 and 10);
