-- Tenants' webhooks can carry billing events (docs/billing.md, "Billing events on webhooks"): an invoice issued,
-- paid, its payment failed (the grace period begins), voided, written off, refunded; the tenant suspended from new
-- work after the grace period, and reinstated. Written by triggers in the transaction that makes the change (the
-- close, a Stripe webhook, a void, the billing worker), through the one outbox function (V16), only for a webhook
-- that names the type: none are in the default set.

-- An invoice's event: what a finance system books it by (number, period, amounts, due date), and what happened.
create function myriad_invoice_event(type text, i invoices) returns void language sql as $$
    select myriad_webhook_event(i.tenant_id, type, jsonb_build_object(
        'invoiceId', i.id, 'tenantId', i.tenant_id, 'number', i.number, 'period', i.period, 'state', i.state,
        'total', jsonb_build_object('amountMinor', i.total_minor, 'currency', i.currency),
        'refunded', jsonb_build_object('amountMinor', i.refunded_minor, 'currency', i.currency),
        'issuedAt', myriad_utc_text(i.issued_at), 'dueAt', myriad_utc_text(i.due_at),
        'paidAt', myriad_utc_text(i.paid_at), 'paymentFailedAt', myriad_utc_text(i.payment_failed_at)))
$$;

create function invoice_events() returns trigger language plpgsql as $$
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
    -- The first failed payment starts the grace period; later failures do not move it and are no event.
    if tg_op = 'UPDATE' and old.payment_failed_at is null and new.payment_failed_at is not null then
        perform myriad_invoice_event('invoice.payment_failed', new);
    end if;
    if tg_op = 'UPDATE' and new.refunded_minor > old.refunded_minor then
        perform myriad_invoice_event('invoice.refunded', new);
    end if;
    return null;
end $$;

-- Drafts change with every rated hour: the WHEN clauses keep those updates from calling anything.
create trigger invoices_events_insert after insert on invoices
    for each row when (new.state <> 'DRAFT') execute function invoice_events();
create trigger invoices_events_update after update on invoices
    for each row when (new.state is distinct from old.state
                       or (old.payment_failed_at is null and new.payment_failed_at is not null)
                       or new.refunded_minor > old.refunded_minor)
    execute function invoice_events();

-- A suspension from new work (an invoice unpaid past its grace period), and its end (paid, voided, written off).
create function tenant_standing_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform myriad_webhook_event(new.tenant_id, 'tenant.suspended', jsonb_build_object(
            'tenantId', new.tenant_id, 'invoiceId', new.invoice_id, 'since', myriad_utc_text(new.since)));
    else
        perform myriad_webhook_event(old.tenant_id, 'tenant.reinstated', jsonb_build_object(
            'tenantId', old.tenant_id, 'invoiceId', old.invoice_id, 'suspendedSince', myriad_utc_text(old.since),
            'at', myriad_utc_text(now())));
    end if;
    return null;
end $$;

create trigger billing_suspensions_events after insert or delete on billing_suspensions
    for each row execute function tenant_standing_events();
