-- A job may wait for other jobs of its tenant to end (Slurm's --dependency afterok / afternotok / afterany): each
-- row is one job it waits for and the end it waits for. A job with a dependency still to end is HELD (reason
-- DEPENDENCY); when the last one ends as asked it is QUEUED (DEPENDENCY_SATISFIED), and when one ends otherwise it is
-- CANCELLED (DEPENDENCY_NEVER_SATISFIED). Whether a dependency is met is read from the job it names (its state), never
-- stored twice. Rows are written once, with the job, and never change.
create table job_dependencies (
    job_id      uuid    not null references jobs (id),
    depends_on  uuid    not null references jobs (id),
    tenant_id   uuid    not null references tenants (id),
    ordinal     int     not null,
    condition   text    not null check (condition in ('SUCCEEDED', 'NOT_SUCCEEDED', 'ENDED')),
    primary key (job_id, depends_on),
    check (job_id <> depends_on)
);
-- When a job ends, the jobs waiting for it: one look-up by key in the transaction that ends it.
create index job_dependencies_dependents on job_dependencies (depends_on);
alter table job_dependencies enable row level security;
alter table job_dependencies force row level security;
create policy tenant_isolation on job_dependencies
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
