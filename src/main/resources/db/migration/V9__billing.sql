-- Billing: per-job rated usage (for FOCUS rows), a double-entry ledger the database keeps balanced and append-only,
-- invoices with their state machine, prepaid credit, committed-use discounts, Stripe's outbox and its webhooks'
-- log, and the suspensions of tenants that do not pay.

-- A billing period also records when it was invoiced (rated, ledger written, invoices issued), in the close's
-- one transaction.
alter table billing_periods add column invoiced_at timestamptz;
alter table billing_periods add column invoice_count int;

-- UUIDv7 (time-ordered) made by the database, for rows that set-based statements create.
create function myriad_uuid_v7() returns uuid language sql volatile as $$
    select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
               placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
               from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

-- Half-even rounding to a whole minor unit (the one rounding rule of billing: docs/billing.md).
create function myriad_round_half_even(v numeric) returns bigint language sql immutable strict as $$
    select case when abs(v - trunc(v)) = 0.5 then (2 * round(v / 2))::bigint else round(v)::bigint end
$$;

-- The period something of period p is billed in: p itself, or the first later period not closed (closed periods
-- take no more charges; a period without a row is open).
create function myriad_billed_period(p text) returns text language plpgsql stable as $$
declare
    q text := p;
begin
    while exists (select 1 from billing_periods where period = q and state = 'CLOSED') loop
        q := to_char(to_date(q || '-01', 'YYYY-MM-DD') + interval '1 month', 'YYYY-MM');
    end loop;
    return q;
end $$;

-- Rated usage per job, run and hour: what the meter added to the rollups, kept at the job's grain (same
-- transaction, same numbers), so that a FOCUS row can name its job. The rollups sum these exactly.
create table usage_charges (
    job_id              uuid        not null,
    attempt             int         not null,
    hour                timestamptz not null check (date_trunc('hour', hour) = hour),
    period              text        not null,
    tenant_id           uuid        not null,
    project_id          uuid        not null,
    cluster_id          uuid        not null,
    model               text        not null,
    price_class         text        not null,
    currency            text        not null,
    reservation_id      uuid,
    unit_price_minor    bigint      not null,
    card_milli_seconds  bigint      not null check (card_milli_seconds >= 0),
    cost_minor          bigint      not null check (cost_minor >= 0),
    credit_minor        bigint      not null check (credit_minor >= 0 and credit_minor <= cost_minor),
    primary key (job_id, attempt, hour)
);
create index usage_charges_export on usage_charges (hour, job_id, attempt);
create index usage_charges_tenant on usage_charges (tenant_id, hour);
alter table usage_charges enable row level security;
alter table usage_charges force row level security;
create policy tenant_isolation on usage_charges
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- The ledger. A transaction is a set of entries that sum to zero in each currency; an entry's amount is signed,
-- debit positive and credit negative. Accounts: TENANT_RECEIVABLE and TENANT_CREDIT (the prepaid wallet) of a
-- tenant, OPERATOR_PAYABLE of an operator, MARKETPLACE_REVENUE and STRIPE_CLEARING of the platform. Rows are never
-- updated or deleted (triggers below); a correction is a new transaction that reverses another.
-- Read by platform use cases only (no row-level security): a tenant's balance is a query the service scopes.
create table ledger_transactions (
    id          uuid        primary key,
    kind        text        not null check (kind in ('INVOICE_ISSUED', 'CREDIT_GRANTED', 'PAYMENT', 'REFUND',
                                                     'INVOICE_VOIDED', 'INVOICE_UNCOLLECTIBLE')),
    reference   text        not null,
    tenant_id   uuid        references tenants (id),
    invoice_id  uuid,
    period      text,
    reverses    uuid        references ledger_transactions (id),
    memo        text,
    created_by  text        not null,
    created_at  timestamptz not null,
    unique (kind, reference)
);
create index ledger_transactions_invoice on ledger_transactions (invoice_id);
create index ledger_transactions_period on ledger_transactions (period);

create table ledger_entries (
    transaction_id  uuid        not null references ledger_transactions (id),
    line            int         not null,
    account         text        not null check (account in ('TENANT_RECEIVABLE', 'TENANT_CREDIT', 'OPERATOR_PAYABLE',
                                                            'MARKETPLACE_REVENUE', 'STRIPE_CLEARING')),
    owner_id        uuid,
    cluster_id      uuid,
    currency        text        not null check (currency ~ '^[A-Z]{3}$'),
    amount_minor    bigint      not null,
    primary key (transaction_id, line),
    check ((account in ('TENANT_RECEIVABLE', 'TENANT_CREDIT', 'OPERATOR_PAYABLE')) = (owner_id is not null))
);
create index ledger_entries_account on ledger_entries (account, owner_id, currency);

-- Every statement that writes entries leaves each transaction it touched summing to zero per currency (all of
-- its entries, earlier ones included): an unbalanced write fails whole.
create function ledger_balanced() returns trigger language plpgsql as $$
declare
    bad record;
begin
    select e.transaction_id, e.currency, sum(e.amount_minor) as total into bad
      from ledger_entries e
     where e.transaction_id in (select distinct transaction_id from new_entries)
     group by e.transaction_id, e.currency
    having sum(e.amount_minor) <> 0
     limit 1;
    if found then
        raise exception 'ledger transaction % does not balance in %: off by %', bad.transaction_id, bad.currency,
            bad.total using errcode = '23514';
    end if;
    return null;
end $$;
create trigger ledger_entries_balanced after insert on ledger_entries
    referencing new table as new_entries for each statement execute function ledger_balanced();

create function ledger_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the ledger is append-only: % on % refused (post a reversing transaction)', tg_op, tg_table_name
        using errcode = '42501';
end $$;
create trigger ledger_entries_append_only before update or delete on ledger_entries
    for each row execute function ledger_append_only();
create trigger ledger_entries_no_truncate before truncate on ledger_entries
    for each statement execute function ledger_append_only();
create trigger ledger_transactions_append_only before update or delete on ledger_transactions
    for each row execute function ledger_append_only();
create trigger ledger_transactions_no_truncate before truncate on ledger_transactions
    for each statement execute function ledger_append_only();

-- Committed-use discounts: a tenant commits to spend at least a minimum per period in one currency, for a term
-- of periods, and gets a discount on its ON_DEMAND usage; spending less than the minimum bills the shortfall.
create table commitments (
    id                uuid        primary key,
    tenant_id         uuid        not null references tenants (id),
    currency          text        not null check (currency ~ '^[A-Z]{3}$'),
    discount_percent  numeric(5, 2) not null check (discount_percent > 0 and discount_percent < 100),
    minimum_minor     bigint      not null check (minimum_minor >= 0),
    first_period      text        not null check (first_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    last_period       text        not null check (last_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    created_by        text        not null,
    created_at        timestamptz not null,
    check (last_period >= first_period)
);
create index commitments_tenant on commitments (tenant_id, currency, first_period);
alter table commitments enable row level security;
alter table commitments force row level security;
create policy tenant_isolation on commitments
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- Invoices: one per tenant, period and currency. A DRAFT follows usage (its lines are computed when read); the
-- close freezes the lines and issues it. Totals are set at issue and never change after (the lines and the
-- ledger are the record; voiding posts a reversal).
create table invoices (
    id                    uuid        primary key,
    number                text        unique,
    tenant_id             uuid        not null references tenants (id),
    period                text        not null,
    currency              text        not null check (currency ~ '^[A-Z]{3}$'),
    state                 text        not null,
    subtotal_minor        bigint,
    credit_applied_minor  bigint,
    total_minor           bigint      check (total_minor >= 0),
    refunded_minor        bigint      not null default 0 check (refunded_minor >= 0),
    issued_at             timestamptz,
    due_at                timestamptz,
    paid_at               timestamptz,
    closed_at             timestamptz,
    payment_failed_at     timestamptz,
    stripe_invoice_id     text        unique,
    created_at            timestamptz not null,
    updated_at            timestamptz not null,
    unique (tenant_id, period, currency),
    check ((state = 'DRAFT') = (issued_at is null)),
    check (state = 'DRAFT' or (total_minor is not null and number is not null))
);
create index invoices_tenant_order on invoices (tenant_id, id);
create index invoices_period on invoices (period, state);
alter table invoices enable row level security;
alter table invoices force row level security;
create policy tenant_isolation on invoices
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- The invoice state machine, in one table: the service reads it and a trigger holds every update to it.
create table invoice_transitions (
    from_state  text not null,
    to_state    text not null,
    primary key (from_state, to_state)
);
insert into invoice_transitions values
    ('DRAFT', 'ISSUED'),
    ('ISSUED', 'PAID'), ('ISSUED', 'VOID'), ('ISSUED', 'UNCOLLECTIBLE'),
    ('UNCOLLECTIBLE', 'PAID'), ('UNCOLLECTIBLE', 'VOID');
alter table invoices add constraint invoices_state check (state in ('DRAFT', 'ISSUED', 'PAID', 'VOID', 'UNCOLLECTIBLE'));

create function invoice_transition_allowed() returns trigger language plpgsql as $$
begin
    if new.state <> old.state
       and not exists (select 1 from invoice_transitions where from_state = old.state and to_state = new.state) then
        raise exception 'invoice % may not go from % to %', old.id, old.state, new.state using errcode = '23514';
    end if;
    if old.state <> 'DRAFT' and (new.total_minor is distinct from old.total_minor
            or new.subtotal_minor is distinct from old.subtotal_minor
            or new.credit_applied_minor is distinct from old.credit_applied_minor) then
        raise exception 'invoice % is issued: its amounts do not change', old.id using errcode = '23514';
    end if;
    return new;
end $$;
create trigger invoices_transition before update on invoices
    for each row execute function invoice_transition_allowed();

-- An issued invoice's lines, each traced to its source: rollups (period, project, cluster, model, class, hours),
-- a reservation, a commitment, or the prepaid wallet.
create table invoice_lines (
    invoice_id          uuid        not null references invoices (id),
    line_no             int         not null,
    tenant_id           uuid        not null,
    kind                text        not null check (kind in ('USAGE', 'ADJUSTMENT', 'PREEMPTION_CREDIT', 'RESERVATION',
                                                             'RESERVATION_CANCELLATION', 'COMMITMENT_DISCOUNT',
                                                             'COMMITMENT_SHORTFALL', 'PREPAID_CREDIT',
                                                             'CREDIT_CARRIED')),
    project_id          uuid,
    cluster_id          uuid,
    model               text,
    price_class         text,
    hours_from          timestamptz,
    hours_to            timestamptz,
    card_milli_seconds  bigint,
    amount_minor        bigint      not null,
    reservation_id      uuid,
    commitment_id       uuid,
    primary key (invoice_id, line_no)
);
alter table invoice_lines enable row level security;
alter table invoice_lines force row level security;
create policy tenant_isolation on invoice_lines
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- Which reservation purchases and cancellations an invoice has billed: each once.
create table billed_reservations (
    reservation_id  uuid        not null references reservations (id),
    kind            text        not null check (kind in ('PURCHASE', 'CANCELLATION')),
    invoice_id      uuid        not null references invoices (id),
    primary key (reservation_id, kind)
);

-- Stripe: a tenant's customer, the outbox of invoices to push (each step's result kept, so a retry resumes), and
-- every webhook event received (its id once).
create table stripe_customers (
    tenant_id    uuid        primary key references tenants (id),
    customer_id  text        not null unique,
    created_at   timestamptz not null
);

create table stripe_pushes (
    invoice_id       uuid        primary key references invoices (id),
    state            text        not null check (state in ('PENDING', 'PUSHED', 'FAILED', 'SKIPPED')),
    lines_pushed     int         not null default 0,
    attempts         int         not null default 0,
    next_attempt_at  timestamptz not null,
    last_error       text,
    pushed_at        timestamptz
);
create index stripe_pushes_due on stripe_pushes (next_attempt_at) where state = 'PENDING';

create table stripe_events (
    event_id     text        primary key,
    type         text        not null,
    invoice_id   uuid,
    outcome      text        not null,
    received_at  timestamptz not null
);

-- A tenant suspended from new work because an invoice stayed unpaid past the grace period; lifted when paid.
create table billing_suspensions (
    tenant_id     uuid        primary key references tenants (id),
    invoice_id    uuid        not null references invoices (id),
    since         timestamptz not null
);

-- A draft invoice exists as soon as there is something to bill, so that a tenant sees this period's bill at any
-- time: usage rolled up into an open period, a reservation bought or cancelled. (The close creates any that are
-- missing, so these triggers serve visibility only.)
create function billing_drafts_for_usage() returns trigger language plpgsql as $$
begin
    insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
    select myriad_uuid_v7(), d.tenant_id, d.period, d.currency, 'DRAFT', now(), now()
      from (select distinct tenant_id, period, currency from new_rows) d
     where not exists (select 1 from invoices i where i.tenant_id = d.tenant_id and i.period = d.period
                                                  and i.currency = d.currency)
     order by 1, 2, 3
    on conflict (tenant_id, period, currency) do nothing;
    return null;
end $$;
create trigger usage_rollups_drafts after insert on usage_rollups
    referencing new table as new_rows for each statement execute function billing_drafts_for_usage();

create function billing_drafts_for_reservation() returns trigger language plpgsql as $$
declare
    p text := myriad_billed_period(to_char(coalesce(new.cancelled_at, new.created_at) at time zone 'UTC', 'YYYY-MM'));
begin
    insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
    values (myriad_uuid_v7(), new.tenant_id, p, new.currency, 'DRAFT', now(), now())
    on conflict (tenant_id, period, currency) do nothing;
    return null;
end $$;
create trigger reservations_drafts after insert or update of status on reservations
    for each row execute function billing_drafts_for_reservation();

-- Drafts for what metering and the market recorded before billing existed (platform scope for this transaction).
select set_config('myriad.scope', 'platform', true);
insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
select myriad_uuid_v7(), d.tenant_id, d.period, d.currency, 'DRAFT', now(), now()
  from (select distinct tenant_id, period, currency from usage_rollups
         where myriad_billed_period(period) = period
        union
        select tenant_id, myriad_billed_period(to_char(created_at at time zone 'UTC', 'YYYY-MM')), currency
          from reservations) d
on conflict (tenant_id, period, currency) do nothing;
