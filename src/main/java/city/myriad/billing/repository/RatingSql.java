package city.myriad.billing.repository;

/**
 * Rating, written once: the lines of every invoice of a period (or of one tenant's), from the hourly rollups, the
 * reservations and their extensions not yet billed, the commitments in force and the prepaid wallets. A draft is this query read live;
 * the close inserts its result. All amounts are whole minor units; the only rounding is half-even, once per
 * discount line (the discount of one rollup group) and once per TAX line, as docs/billing.md states.
 * <p>
 * Parameters: $1 period ('2026-11'), $2 its start, $3 its end, $4 a tenant or null for all, $5 true for a draft
 * (a reservation goes on the draft of the period it will be billed in) or false for the close (every reservation
 * bought or cancelled before the period's end and not billed yet), $6 the time rated as of (a shortfall still open
 * is credited up to it within the period: the close's time, which is past the period's end, or a draft's now),
 * $7 the platform's tax rate in percent (0: none) and $8 its name, for a tenant whose payment terms name no rate.
 * <p>
 * Columns: tenant_id, currency, kind, project_id, cluster_id, model, price_class, hours_from, hours_to,
 * card_milli_seconds, amount_minor, reservation_id, commitment_id, sort, tax_rate_percent, tax_name (the last
 * two on the TAX line only).
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
            ext as (
                -- Extensions not billed yet, each in the period it was bought (a draft: only its own period's).
                select e.*, r.project_id, r.cluster_id, r.model
                  from reservation_extensions e join reservations r on r.id = e.reservation_id
                 where e.invoice_id is null and e.created_at < $3 and ($4::uuid is null or e.tenant_id = $4::uuid)
                   and (not $5::boolean or myriad_billed_period(to_char(e.created_at at time zone 'UTC', 'YYYY-MM')) = $1)
            ),
            short as (
                -- The reserved card time not delivered: each stretch of a shortfall, clipped to the reservation's
                -- window, the period and the time rated as of; one line per reservation and period.
                select r.tenant_id, r.currency, r.project_id, r.cluster_id, r.model, r.id, r.cards, r.start_at,
                       r.end_at, r.total_minor + r.extended_minor as total_minor,
                       min(greatest(s.started_at, r.start_at, $2)) as hours_from,
                       max(least(coalesce(s.ended_at, $6), r.end_at, $3)) as hours_to,
                       sum(round(s.cards * 1000 * extract(epoch from least(coalesce(s.ended_at, $6), r.end_at, $3)
                                                                   - greatest(s.started_at, r.start_at, $2))))::bigint
                           as cms
                  from reservation_shortfalls s join reservations r on r.id = s.reservation_id
                 where s.started_at < least($3, $6) and coalesce(s.ended_at, $6) > $2
                   and least(coalesce(s.ended_at, $6), r.end_at, $3) > greatest(s.started_at, r.start_at, $2)
                   and ($4::uuid is null or s.tenant_id = $4::uuid)
                 group by r.tenant_id, r.currency, r.project_id, r.cluster_id, r.model, r.id, r.cards, r.start_at,
                          r.end_at, r.total_minor + r.extended_minor
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
                -- The window as bought; each extension is a line of its own.
                select tenant_id, currency, 'RESERVATION', project_id, cluster_id, model, 'RESERVED', start_at,
                       bought_end_at, cards::bigint * 1000 * extract(epoch from bought_end_at - start_at)::bigint,
                       total_minor, id, null
                  from res where buy_due
                union all
                select tenant_id, currency, 'RESERVATION_EXTENSION', project_id, cluster_id, model, 'RESERVED', from_at,
                       to_at, cards::bigint * 1000 * extract(epoch from to_at - from_at)::bigint, total_minor,
                       reservation_id, null
                  from ext
                union all
                -- What was paid for it, extensions included, less the fee.
                select tenant_id, currency, 'RESERVATION_CANCELLATION', project_id, cluster_id, model, 'RESERVED',
                       start_at, end_at, null, -(total_minor + extended_minor - coalesce(cancellation_fee_minor, 0)),
                       id, null
                  from res where cancel_due
                union all
                -- The share of the reservation's price (extensions included) for the card time not delivered,
                -- rounded once per line.
                select tenant_id, currency, 'RESERVATION_SHORTFALL_CREDIT', project_id, cluster_id, model, 'RESERVED',
                       hours_from, hours_to, cms,
                       -myriad_round_half_even(total_minor::numeric * cms
                                               / (cards::numeric * 1000 * extract(epoch from end_at - start_at))),
                       id, null
                  from short where cms > 0
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
            rate as (
                -- The tenant's terms name its rate (0: charged no tax), or the platform's applies.
                select t.tenant_id, t.currency, t.subtotal, coalesce(p.tax_rate_percent, $7::numeric) as rate,
                       coalesce(p.tax_name, $8::text) as tax_name
                  from totals t left join payment_terms p on p.tenant_id = t.tenant_id
            ),
            tax as (
                -- Tax on the subtotal, rounded once per invoice; on a negative subtotal (refunds above the period's
                -- charges) the tax charged on them is refunded with them.
                select tenant_id, currency, 'TAX' as kind, null::uuid as project_id, null::uuid as cluster_id,
                       null::text as model, null::text as price_class, null::timestamptz as hours_from,
                       null::timestamptz as hours_to, null::bigint as cms,
                       myriad_round_half_even(subtotal * rate / 100) as amount, null::uuid as reservation_id,
                       null::uuid as commitment_id
                  from rate where rate > 0 and myriad_round_half_even(subtotal * rate / 100) <> 0
            ),
            due as (
                -- What the wallet settles: the subtotal and its tax (prepaid credit pays tax as money does).
                select t.tenant_id, t.currency, t.subtotal + coalesce(x.amount, 0) as subtotal
                  from totals t left join tax x on x.tenant_id = t.tenant_id and x.currency = t.currency
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
                  from due t left join wallet w on w.tenant_id = t.tenant_id and w.currency = t.currency
                 where (t.subtotal > 0 and coalesce(w.balance, 0) > 0) or t.subtotal < 0
            )
            select l.*, case l.kind when 'USAGE' then 1 when 'ADJUSTMENT' then 2 when 'PREEMPTION_CREDIT' then 3
                                    when 'RESERVATION' then 4 when 'RESERVATION_EXTENSION' then 5
                                    when 'RESERVATION_CANCELLATION' then 6 when 'RESERVATION_SHORTFALL_CREDIT' then 7
                                    when 'COMMITMENT_DISCOUNT' then 8 when 'COMMITMENT_SHORTFALL' then 9
                                    when 'TAX' then 10 when 'PREPAID_CREDIT' then 11 else 12 end as sort,
                   case when l.kind = 'TAX' then r.rate end as tax_rate_percent,
                   case when l.kind = 'TAX' then r.tax_name end as tax_name
              from (select * from lines union all select * from tax union all select * from settle) l
              left join rate r on r.tenant_id = l.tenant_id and r.currency = l.currency""";
}
