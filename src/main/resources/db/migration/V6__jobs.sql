-- Jobs: a tenant's work on one cluster, in one class (ON_DEMAND, SPOT, or RESERVED inside a reservation), placed
-- on cards by the cluster's scheduling loop. Tenant-owned rows (jobs, their transitions and run segments) have
-- row-level security; the loop's own tables (inbox, assignments, events, leaders) name jobs only by id.

create table jobs (
    id                  uuid primary key,
    tenant_id           uuid        not null references tenants (id),
    project_id          uuid        not null references projects (id),
    cluster_id          uuid        not null references clusters (id),
    model               text        not null,
    cards_milli         int         not null check (cards_milli > 0 and (cards_milli < 1000 or cards_milli % 1000 = 0)),
    price_class         text        not null check (price_class in ('ON_DEMAND', 'SPOT', 'RESERVED')),
    reservation_id      uuid references reservations (id),
    max_run_seconds     int         not null check (max_run_seconds between 1 and 31622400),
    same_block          boolean     not null,
    quote_id            uuid,
    currency            text        not null,
    unit_price_minor    bigint      not null check (unit_price_minor >= 0),
    price_book_version  int,
    projected_minor     bigint      not null check (projected_minor >= 0),
    state               text        not null check (state in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED',
                                                              'PREEMPTED')),
    reason              text,
    attempt             int         not null default 0,
    placement           text,
    started_at          timestamptz,
    ended_at            timestamptz,
    charged_minor       bigint      not null default 0,
    credited_minor      bigint      not null default 0,
    borrowed            boolean     not null default false,
    submitted_by        text        not null,
    created_at          timestamptz not null,
    updated_at          timestamptz not null,
    check ((price_class = 'RESERVED') = (reservation_id is not null)),
    check (state <> 'RUNNING' or (started_at is not null and placement is not null))
);
create index jobs_tenant_order on jobs (tenant_id, id);
create index jobs_cluster_live on jobs (cluster_id, state, created_at) where state in ('QUEUED', 'RUNNING');
alter table jobs enable row level security;
alter table jobs force row level security;
create policy tenant_isolation on jobs
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- Every transition of every job, in order: the job's history.
create table job_transitions (
    job_id      uuid        not null references jobs (id),
    seq         int         not null,
    tenant_id   uuid        not null references tenants (id),
    at          timestamptz not null,
    from_state  text,
    to_state    text        not null,
    reason      text,
    primary key (job_id, seq)
);
alter table job_transitions enable row level security;
alter table job_transitions force row level security;
create policy tenant_isolation on job_transitions
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- One row per run of a job (an attempt): where and how long it ran, what it was charged and credited. Written
-- when the run ends; what metering and billing read.
create table job_segments (
    job_id            uuid        not null references jobs (id),
    attempt           int         not null,
    tenant_id         uuid        not null references tenants (id),
    project_id        uuid        not null references projects (id),
    cluster_id        uuid        not null references clusters (id),
    model             text        not null,
    price_class       text        not null,
    cards_milli       int         not null,
    started_at        timestamptz not null,
    ended_at          timestamptz not null,
    outcome           text        not null,
    currency          text        not null,
    unit_price_minor  bigint      not null,
    charge_minor      bigint      not null check (charge_minor >= 0),
    credit_minor      bigint      not null check (credit_minor >= 0 and credit_minor <= charge_minor),
    primary key (job_id, attempt),
    check (ended_at >= started_at)
);
create index job_segments_spend on job_segments (tenant_id, ended_at);
alter table job_segments enable row level security;
alter table job_segments force row level security;
create policy tenant_isolation on job_segments
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- What the cluster's scheduling loop has not seen yet: written in the same transaction as the change it
-- announces (a submission, a cancellation, an event), deleted in the transaction of the cycle that applied it.
create table scheduler_inbox (
    id          bigserial   primary key,
    cluster_id  uuid        not null references clusters (id),
    job_id      uuid,
    kind        text        not null check (kind in ('SUBMITTED', 'ENDED', 'REQUEUED', 'NODES')),
    at          timestamptz not null
);
create index scheduler_inbox_cluster on scheduler_inbox (cluster_id, id);

-- What the cluster's agents must do: start a job's attempt on its placement, or stop it. Open until an event
-- acknowledges it (JOB_STARTED or the attempt's end for START, JOB_STOPPED for STOP).
create table assignments (
    seq              bigserial   primary key,
    cluster_id       uuid        not null references clusters (id),
    job_id           uuid        not null references jobs (id),
    attempt          int         not null,
    action           text        not null check (action in ('START', 'STOP')),
    placement        text        not null,
    cards_milli      int         not null,
    max_run_seconds  int         not null,
    reason           text,
    created_at       timestamptz not null,
    acknowledged_at  timestamptz
);
create index assignments_open on assignments (cluster_id, seq) where acknowledged_at is null;
create index assignments_job on assignments (job_id, attempt);

-- Events the cluster's agents reported, kept by their id: a retried event is answered as before, never applied
-- twice.
create table cluster_events (
    cluster_id   uuid        not null references clusters (id),
    event_id     text        not null,
    type         text        not null,
    job_id       uuid,
    attempt      int,
    node         text,
    at           timestamptz not null,
    received_at  timestamptz not null,
    outcome      text        not null,
    primary key (cluster_id, event_id)
);

-- Who schedules each cluster: the replica holding the cluster's advisory lock writes here an epoch one higher
-- than before; every cycle's transaction checks its epoch, so a replica that lost the lock can commit nothing.
create table scheduler_leaders (
    cluster_id    uuid        primary key references clusters (id),
    epoch         bigint      not null,
    replica       text        not null,
    since         timestamptz not null,
    heartbeat_at  timestamptz not null
);
