-- What a reservation was sold and could not be given: while nodes of its model are out of service and no other
-- node can stand in, the scheduling loop holds fewer cards for it than it bought. Each row is one stretch of a
-- constant shortfall (cards short, from started_at until ended_at; open while ended_at is null), written by the
-- cluster's loop (fenced by its leader epoch) when the shortfall changes. Billing credits the tenant for the
-- reserved card time not delivered (invoice line RESERVATION_SHORTFALL_CREDIT), clipped to the reservation's window
-- and to each period, so each second is credited in exactly one period's close.

create table reservation_shortfalls (
    id              bigint generated always as identity primary key,
    reservation_id  uuid        not null references reservations (id),
    tenant_id       uuid        not null references tenants (id),
    cluster_id      uuid        not null references clusters (id),
    cards           int         not null check (cards > 0),
    started_at      timestamptz not null,
    ended_at        timestamptz,
    check (ended_at is null or ended_at >= started_at)
);
-- At most one open stretch per reservation.
create unique index reservation_shortfalls_open on reservation_shortfalls (reservation_id) where ended_at is null;
create index reservation_shortfalls_cluster_open on reservation_shortfalls (cluster_id) where ended_at is null;
create index reservation_shortfalls_reservation on reservation_shortfalls (reservation_id, started_at);
create index reservation_shortfalls_started on reservation_shortfalls (started_at);
alter table reservation_shortfalls enable row level security;
alter table reservation_shortfalls force row level security;
create policy tenant_isolation on reservation_shortfalls
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- A shortfall's credit shows on its period's draft from the start (as usage and reservations do; the close creates
-- any draft still missing, such as a later period's for a stretch that runs into it).
create function billing_drafts_for_shortfall() returns trigger language plpgsql as $$
begin
    insert into invoices (id, tenant_id, period, currency, state, created_at, updated_at)
    select myriad_uuid_v7(), new.tenant_id, to_char(new.started_at at time zone 'UTC', 'YYYY-MM'), r.currency, 'DRAFT',
           now(), now()
      from reservations r
     where r.id = new.reservation_id
       and not exists (select 1 from billing_periods p where p.period = to_char(new.started_at at time zone 'UTC',
                                                                                  'YYYY-MM')
                                                        and p.state <> 'OPEN')
    on conflict (tenant_id, period, currency) do nothing;
    return null;
end $$;
create trigger reservation_shortfalls_drafts after insert on reservation_shortfalls
    for each row execute function billing_drafts_for_shortfall();

alter table invoice_lines drop constraint invoice_lines_kind_check;
alter table invoice_lines add constraint invoice_lines_kind_check
    check (kind in ('USAGE', 'ADJUSTMENT', 'PREEMPTION_CREDIT', 'RESERVATION', 'RESERVATION_CANCELLATION',
                    'RESERVATION_SHORTFALL_CREDIT', 'COMMITMENT_DISCOUNT', 'COMMITMENT_SHORTFALL', 'PREPAID_CREDIT',
                    'CREDIT_CARRIED'));
