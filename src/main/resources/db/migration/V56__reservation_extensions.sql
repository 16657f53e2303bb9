-- Extending a reservation: its window gets a later end, the same cards, model and block, bought at the RESERVED
-- price of the book in force when it is extended. The reservation keeps its id (its jobs, nodes and shortfalls do
-- not move); end_at is the window's end now, bought_end_at the end it was bought with, and each extension is a row
-- of its own, billed once in the period it was bought (invoice line RESERVATION_EXTENSION), as a purchase is.
-- extended_minor is the sum of its extensions' totals: a cancellation gives back the purchase and its extensions less
-- the fee, and a shortfall is credited at the reservation's price per card-second over its whole window.

-- The backfill must see every tenant's rows: the migration runs as the tables' owner, whom FORCE ROW LEVEL SECURITY
-- binds too (without the platform scope it would update nothing, and `set not null` would fail on any reservation).
select set_config('myriad.scope', 'platform', true);
alter table reservations add column bought_end_at timestamptz;
update reservations set bought_end_at = end_at;
alter table reservations alter column bought_end_at set not null;
alter table reservations add column extended_minor bigint not null default 0 check (extended_minor >= 0);
alter table reservations add constraint reservations_extended_later check (end_at >= bought_end_at);

create table reservation_extensions (
    id                  uuid        primary key,
    reservation_id      uuid        not null references reservations (id),
    tenant_id           uuid        not null references tenants (id),
    -- The window added: from the end before, to the new end. Extensions of one reservation follow one another.
    from_at             timestamptz not null,
    to_at               timestamptz not null,
    cards               int         not null check (cards > 0),
    price_book_version  int         not null,
    currency            text        not null,
    unit_price_minor    bigint      not null check (unit_price_minor >= 0),
    total_minor         bigint      not null check (total_minor >= 0),
    created_at          timestamptz not null,
    -- The invoice that billed it (set by the period's close); null until then.
    invoice_id          uuid        references invoices (id),
    check (to_at > from_at),
    unique (reservation_id, from_at)
);
create index reservation_extensions_unbilled on reservation_extensions (created_at) where invoice_id is null;
alter table reservation_extensions enable row level security;
alter table reservation_extensions force row level security;
create policy tenant_isolation on reservation_extensions
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- An extension shows on its period's draft from the start, as a purchase does.
create function billing_drafts_for_extension() returns trigger language plpgsql as $$
begin
    insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
    values (myriad_uuid_v7(), new.tenant_id,
            myriad_billed_period(to_char(new.created_at at time zone 'UTC', 'YYYY-MM')), new.currency, 'DRAFT',
            now(), now())
    on conflict (tenant_id, period, currency) do nothing;
    return null;
end $$;
create trigger reservation_extensions_drafts after insert on reservation_extensions
    for each row execute function billing_drafts_for_extension();

alter table invoice_lines drop constraint invoice_lines_kind_check;
alter table invoice_lines add constraint invoice_lines_kind_check
    check (kind in ('USAGE', 'ADJUSTMENT', 'PREEMPTION_CREDIT', 'RESERVATION', 'RESERVATION_EXTENSION',
                    'RESERVATION_CANCELLATION', 'RESERVATION_SHORTFALL_CREDIT', 'COMMITMENT_DISCOUNT',
                    'COMMITMENT_SHORTFALL', 'PREPAID_CREDIT', 'CREDIT_CARRIED'));
