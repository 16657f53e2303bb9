-- invoice.overdue (docs/billing.md, "Payment terms"): told once, when an unpaid invoice becomes overdue and its grace
-- period starts: a sent invoice at its due date, a charged one at its first failed payment. Nothing updates a sent
-- invoice's row when its due date passes, so the billing worker marks it (overdue_told_at) in its round, and the
-- invoice trigger writes the event in that transaction, through the one outbox function.
alter table invoices add column overdue_told_at timestamptz;
-- The worker's scan: issued invoices overdue and not yet told.
create index invoices_overdue_untold on invoices (overdue_since)
    where state = 'ISSUED' and overdue_since is not null and overdue_told_at is null;

-- The event names when the grace period started.
create or replace function myriad_invoice_event(type text, i invoices) returns void language sql as $$
    select myriad_webhook_event(i.tenant_id, type, jsonb_build_object(
        'invoiceId', i.id, 'tenantId', i.tenant_id, 'number', i.number, 'period', i.period, 'state', i.state,
        'total', jsonb_build_object('amountMinor', i.total_minor, 'currency', i.currency),
        'refunded', jsonb_build_object('amountMinor', i.refunded_minor, 'currency', i.currency),
        'issuedAt', myriad_utc_text(i.issued_at), 'dueAt', myriad_utc_text(i.due_at),
        'paidAt', myriad_utc_text(i.paid_at), 'paymentFailedAt', myriad_utc_text(i.payment_failed_at),
        'overdueSince', myriad_utc_text(i.overdue_since),
        'collectionMethod', i.collection_method, 'hostedInvoiceUrl', i.hosted_invoice_url))
$$;

create or replace function invoice_events() returns trigger language plpgsql as $$
declare
    type text;
begin
    if tg_op = 'INSERT' or new.state is distinct from old.state then
        type := case new.state when 'ISSUED' then 'invoice.issued'
                               when 'PAID' then 'invoice.paid'
                               when 'VOID' then 'invoice.voided'
                               when 'UNCOLLECTIBLE' then 'invoice.marked_uncollectible' end;
        if type is not null then
            perform myriad_invoice_event(type, new);
        end if;
    end if;
    -- The first failed payment; later failures do not move anything and are no event.
    if tg_op = 'UPDATE' and old.payment_failed_at is null and new.payment_failed_at is not null then
        perform myriad_invoice_event('invoice.payment_failed', new);
    end if;
    if tg_op = 'UPDATE' and old.overdue_told_at is null and new.overdue_told_at is not null then
        perform myriad_invoice_event('invoice.overdue', new);
    end if;
    if tg_op = 'UPDATE' and new.refunded_minor > old.refunded_minor then
        perform myriad_invoice_event('invoice.refunded', new);
    end if;
    return null;
end $$;

drop trigger invoices_events_update on invoices;
create trigger invoices_events_update after update on invoices
    for each row when (new.state is distinct from old.state
                       or (old.payment_failed_at is null and new.payment_failed_at is not null)
                       or (old.overdue_told_at is null and new.overdue_told_at is not null)
                       or new.refunded_minor > old.refunded_minor)
    execute function invoice_events();
