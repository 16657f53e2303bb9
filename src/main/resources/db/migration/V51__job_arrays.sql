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
