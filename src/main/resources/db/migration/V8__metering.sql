-- Metering: usage from the job lifecycle (run segments) and from the operators' agents (usage events), rolled up
-- hourly; reconciliation of the two; alerts on budgets and GPU-hour limits, delivered to tenants' webhooks through
-- an outbox.

-- A billing period (a UTC month, "2026-11") is open until closed. Usage of an hour whose period is closed is
-- billed in the next open period: an adjustment, never dropped. Metering reads a period's row FOR SHARE while it
-- writes usage into it; closing takes it FOR UPDATE, so no usage lands in a period after its close committed.
create table billing_periods (
    period     text        primary key check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    state      text        not null check (state in ('OPEN', 'CLOSED')),
    closed_at  timestamptz,
    closed_by  text,
    check ((state = 'CLOSED') = (closed_at is not null))
);

-- Segments carry their placement (for the events' node and cards check) and when the meter rolled them up:
-- null until it has, exactly once (the roll-up and this mark are one transaction).
alter table job_segments add column placement text;
alter table job_segments add column metered_at timestamptz;
create index job_segments_unmetered on job_segments (ended_at) where metered_at is null;
create index job_segments_job on job_segments (job_id);

-- What the operators' agents measured: one interval of one job's run on one node. Unique per cluster and event id
-- (the primary key): a retried event is a DUPLICATE, counted once, however late the retry.
-- No foreign keys, on purpose: ingestion reads the job (its cluster and tenant) in the same transaction, and jobs,
-- clusters and tenants are never deleted; a foreign key check would share-lock the same few job, cluster and
-- tenant rows for every event of every concurrent batch (MultiXact churn at thousands of events per second).
create table usage_events (
    cluster_id    uuid          not null,
    event_id      text          collate "C" not null,
    job_id        uuid          not null,
    attempt       int           not null,
    tenant_id     uuid          not null,
    project_id    uuid          not null,
    model         text          not null,
    price_class   text          not null,
    currency      text          not null,
    node          text          not null,
    cards_milli   int           not null check (cards_milli > 0),
    start_at      timestamptz   not null,
    end_at        timestamptz   not null,
    utilization   numeric(4, 3) check (utilization between 0 and 1),
    energy_wh     numeric(16, 3) check (energy_wh >= 0),
    received_at   timestamptz   not null,
    batch_id      uuid          not null,
    primary key (cluster_id, event_id),
    check (end_at > start_at)
);
create index usage_events_job on usage_events (job_id);
create index usage_events_batch on usage_events (batch_id);
alter table usage_events enable row level security;
alter table usage_events force row level security;
create policy tenant_isolation on usage_events
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- The accepted batches the meter has not rolled up yet: written with the batch's events, deleted in the meter's
-- transaction that rolls them up (so each event is rolled up exactly once, at one row's cost per batch).
create table usage_pending_batches (
    batch_id     uuid        primary key,
    received_at  timestamptz not null
);

-- Hourly usage per tenant x project x cluster x model x class, in the period it is billed in (the hour's own period,
-- or a later one for usage that came after its period closed). Lifecycle columns (card-seconds, cost, credit) are
-- what bills; measured columns are what the agents reported.
create table usage_rollups (
    tenant_id                    uuid        not null references tenants (id),
    project_id                   uuid        not null,
    cluster_id                   uuid        not null,
    model                        text        not null,
    price_class                  text        not null,
    currency                     text        not null,
    hour                         timestamptz not null check (date_trunc('hour', hour) = hour),
    period                       text        not null,
    card_milli_seconds           bigint      not null default 0 check (card_milli_seconds >= 0),
    cost_minor                   bigint      not null default 0 check (cost_minor >= 0),
    credit_minor                 bigint      not null default 0 check (credit_minor >= 0),
    measured_card_milli_seconds  bigint      not null default 0 check (measured_card_milli_seconds >= 0),
    event_count                  bigint      not null default 0 check (event_count >= 0),
    primary key (tenant_id, period, hour, project_id, cluster_id, model, price_class, currency)
);
create index usage_rollups_cluster on usage_rollups (cluster_id, hour);
alter table usage_rollups enable row level security;
alter table usage_rollups force row level security;
create policy tenant_isolation on usage_rollups
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- An ended job whose agents reported usage: both sources side by side and whether they agree.
create table usage_reconciliations (
    job_id                       uuid        primary key references jobs (id),
    tenant_id                    uuid        not null references tenants (id),
    cluster_id                   uuid        not null references clusters (id),
    lifecycle_card_milli_seconds bigint      not null,
    measured_card_milli_seconds  bigint      not null,
    event_count                  bigint      not null,
    status                       text        not null check (status in ('MATCHED', 'DISCREPANT')),
    checked_at                   timestamptz not null
);
create index usage_reconciliations_flagged on usage_reconciliations (cluster_id, job_id) where status = 'DISCREPANT';

-- A threshold crossed: once per tenant or project, measure, period and threshold (the unique key), however often
-- the meter looks.
create table alerts (
    id          uuid        primary key,
    tenant_id   uuid        not null references tenants (id),
    project_id  uuid,
    scope       text        not null,
    measure     text        not null check (measure in ('BUDGET', 'GPU_HOURS')),
    period      text        not null,
    threshold   int         not null check (threshold between 1 and 100),
    used        numeric     not null,
    lim         numeric     not null,
    unit        text        not null,
    raised_at   timestamptz not null,
    unique (tenant_id, scope, measure, period, threshold)
);
create index alerts_tenant on alerts (tenant_id, raised_at desc, id);
alter table alerts enable row level security;
alter table alerts force row level security;
create policy tenant_isolation on alerts
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- A tenant's webhook: where alerts go, and the secret that signs them (needed in clear to sign: stored as given).
create table webhooks (
    tenant_id   uuid        primary key references tenants (id),
    url         text        not null,
    secret      text        not null,
    updated_at  timestamptz not null,
    updated_by  text        not null
);
alter table webhooks enable row level security;
alter table webhooks force row level security;
create policy tenant_isolation on webhooks
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- The outbox: one delivery per alert (unique), written in the alert's transaction; attempts logged one by one.
create table webhook_deliveries (
    id               uuid        primary key,
    tenant_id        uuid        not null references tenants (id),
    alert_id         uuid        not null unique references alerts (id),
    event_type       text        not null,
    payload          text        not null,
    state            text        not null check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         int         not null default 0,
    next_attempt_at  timestamptz not null,
    created_at       timestamptz not null,
    delivered_at     timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'PENDING';
create index webhook_deliveries_tenant on webhook_deliveries (tenant_id, created_at desc, id);
alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
create policy tenant_isolation on webhook_deliveries
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

create table webhook_attempts (
    delivery_id  uuid        not null references webhook_deliveries (id),
    attempt      int         not null,
    tenant_id    uuid        not null references tenants (id),
    at           timestamptz not null,
    url          text        not null,
    status_code  int,
    error        text,
    duration_ms  int         not null,
    primary key (delivery_id, attempt)
);
alter table webhook_attempts enable row level security;
alter table webhook_attempts force row level security;
create policy tenant_isolation on webhook_attempts
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
