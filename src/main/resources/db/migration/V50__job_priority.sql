-- A job's priority among its tenant's own jobs (Slurm's nice, scontrol top; a Kueue workload priority kept inside
-- one tenant): higher goes first among the tenant's jobs waiting on the same cluster and model, never ahead of
-- another tenant's job (fair share and size decide between tenants). 0 is normal; -100 to 100.
alter table jobs add column priority smallint not null default 0 check (priority between -100 and 100);

-- A job's quote may ask for a job of a priority (createQuote's priority): its earliestStartAt counts the tenant's
-- own queued jobs as a job of that priority meets them. Shown on the quote; not a term of the price.
alter table quotes add column priority smallint not null default 0 check (priority between -100 and 100);

-- The start estimates read a queue by size alone unless one of its jobs has a priority: this index answers "has
-- one?" by a probe that nearly always finds nothing (JobRepository.queuedAhead).
create index jobs_queued_prioritised on jobs (cluster_id, model) where state = 'QUEUED' and priority <> 0;
