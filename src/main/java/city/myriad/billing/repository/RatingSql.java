package city.myriad.billing.repository;

/**
 * Rating, written once: the lines of every invoice of a period (or of one tenant's), from the hourly rollups, the
 * reservations not yet billed, the commitments in force and the prepaid wallets. A draft is this query read live;
 * the close inserts its result. All amounts are whole minor units; the only rounding is half-even, once per
 * discount line (the discount of one rollup group), as docs/billing.md states.
 * <p>
 * Parameters: $1 period ('2026-11'), $2 its start, $3 its end, $4 a tenant or null for all, $5 true for a draft
 * (a reservation goes on the draft of the period it will be billed in) or false for the close (every reservation
 * bought or cancelled before the period's end and not billed yet).
 * <p>
 * Columns: tenant_id, currency, kind, project_id, cluster_id, model, price_class, hours_from, hours_to,
 * card_milli_seconds, amount_minor, reservation_id, commitment_id, sort.
 */
final class RatingSql {

    private RatingSql() {}

    static final String LINES = """
            with usage as (
                select tenant_id, currency, project_id, cluster_id, model, price_class, hour < $2 as late,
                       min(hour) as hours_from, max(hour) + interval '1 hour' as hours_to,
                       sum(card_milli_seconds)::bigint as cms, sum(cost_minor)::bigint as cost,
                       sum(credit_minor)::bigint as credit
                  from usage_rollups
                 where period = $1 and ($4::uuid is null or tenant_id = $4::uuid)
                 group by tenant_id, currency, project_id, cluster_id, model, price_class, hour < $2
                having sum(card_milli_seconds) > 0 or sum(cost_minor) > 0
            ),
            res as (
                select r.*,
                       not exists (select 1 from billed_reservations b
                                    where b.reservation_id = r.id and b.kind = 'PURCHASE')
                       and (not $5::boolean or myriad_billed_period(to_char(r.created_at at time zone 'UTC', 'YYYY-MM')) = $1)
                           as buy_due,
                       r.status = 'CANCELLED' and r.cancelled_at < $3
                       and not exists (select 1 from billed_reservations b
                                        where b.reservation_id = r.id and b.kind = 'CANCELLATION')
                       and (not $5::boolean or myriad_billed_period(to_char(r.cancelled_at at time zone 'UTC', 'YYYY-MM')) = $1)
                           as cancel_due
                  from reservations r
                 where r.created_at < $3 and ($4::uuid is null or r.tenant_id = $4::uuid)
            ),
            commitment as (
                select c.* from commitments c
                 where c.first_period <= $1 and c.last_period >= $1 and ($4::uuid is null or c.tenant_id = $4::uuid)
            ),
            base as (
                select tenant_id, currency, case when late then 'ADJUSTMENT' else 'USAGE' end as kind, project_id,
                       cluster_id, model, price_class, hours_from, hours_to, cms, cost as amount,
                       null::uuid as reservation_id, null::uuid as commitment_id
                  from usage
                union all
                select tenant_id, currency, 'PREEMPTION_CREDIT', project_id, cluster_id, model, price_class,
                       hours_from, hours_to, null, -credit, null, null
                  from usage where credit > 0
                union all
                select tenant_id, currency, 'RESERVATION', project_id, cluster_id, model, 'RESERVED', start_at, end_at,
                       cards::bigint * 1000 * extract(epoch from end_at - start_at)::bigint, total_minor, id, null
                  from res where buy_due
                union all
                select tenant_id, currency, 'RESERVATION_CANCELLATION', project_id, cluster_id, model, 'RESERVED',
                       start_at, end_at, null, -(total_minor - coalesce(cancellation_fee_minor, 0)), id, null
                  from res where cancel_due
                union all
                select u.tenant_id, u.currency, 'COMMITMENT_DISCOUNT', u.project_id, u.cluster_id, u.model,
                       u.price_class, u.hours_from, u.hours_to, null,
                       -myriad_round_half_even((u.cost - u.credit) * c.discount_percent / 100), null, c.id
                  from usage u join commitment c on c.tenant_id = u.tenant_id and c.currency = u.currency
                 where u.price_class = 'ON_DEMAND' and u.cost > u.credit
            ),
            shortfall as (
                select c.tenant_id, c.currency, 'COMMITMENT_SHORTFALL' as kind, null::uuid as project_id,
                       null::uuid as cluster_id, null::text as model, null::text as price_class,
                       null::timestamptz as hours_from, null::timestamptz as hours_to, null::bigint as cms,
                       c.minimum_minor - coalesce(s.spent, 0) as amount, null::uuid as reservation_id,
                       c.id as commitment_id
                  from commitment c
                  left join (select tenant_id, currency, sum(amount) as spent from base group by tenant_id, currency) s
                         on s.tenant_id = c.tenant_id and s.currency = c.currency
                 where c.minimum_minor > coalesce(s.spent, 0)
            ),
            lines as (
                select * from base union all select * from shortfall
            ),
            totals as (
                select tenant_id, currency, sum(amount)::bigint as subtotal from lines group by tenant_id, currency
            ),
            wallet as (
                select owner_id as tenant_id, currency, -sum(amount_minor)::bigint as balance
                  from ledger_entries
                 where account = 'TENANT_CREDIT' and ($4::uuid is null or owner_id = $4::uuid)
                 group by owner_id, currency
            ),
            settle as (
                select t.tenant_id, t.currency,
                       case when t.subtotal > 0 then 'PREPAID_CREDIT' else 'CREDIT_CARRIED' end as kind,
                       null::uuid, null::uuid, null::text, null::text, null::timestamptz, null::timestamptz,
                       null::bigint,
                       case when t.subtotal > 0 then -least(t.subtotal, coalesce(w.balance, 0)) else -t.subtotal end,
                       null::uuid, null::uuid
                  from totals t left join wallet w on w.tenant_id = t.tenant_id and w.currency = t.currency
                 where (t.subtotal > 0 and coalesce(w.balance, 0) > 0) or t.subtotal < 0
            )
            select l.*, case l.kind when 'USAGE' then 1 when 'ADJUSTMENT' then 2 when 'PREEMPTION_CREDIT' then 3
                                    when 'RESERVATION' then 4 when 'RESERVATION_CANCELLATION' then 5
                                    when 'COMMITMENT_DISCOUNT' then 6 when 'COMMITMENT_SHORTFALL' then 7
                                    when 'PREPAID_CREDIT' then 8 else 9 end as sort
              from (select * from lines union all select * from settle) l""";
}
