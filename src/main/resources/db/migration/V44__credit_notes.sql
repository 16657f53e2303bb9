-- Credit notes (docs/billing.md, "Credit notes"): a correction of an issued invoice that leaves the invoice as it was
-- issued. A platform admin credits part or all of what an invoice billed (a service-level breach, a billing error,
-- goodwill); the marketplace bears it, as it bears refunds (operators keep their share). On an invoice still owed
-- (ISSUED) the credit lowers what is owed (AMOUNT_DUE: receivable credited); on a paid one it goes to the tenant's
-- prepaid wallet (PREPAID_WALLET), spent by the next close. Never above what the invoice billed less what was
-- credited or refunded before.
create table credit_notes (
    id                      uuid        primary key,
    number                  text        not null unique,
    invoice_id              uuid        not null references invoices (id),
    tenant_id               uuid        not null references tenants (id),
    currency                text        not null check (currency ~ '^[A-Z]{3}$'),
    amount_minor            bigint      not null check (amount_minor > 0),
    reason                  text        not null check (reason in ('SERVICE_LEVEL', 'BILLING_ERROR', 'DUPLICATE',
                                                                   'FRAUDULENT', 'GOODWILL')),
    memo                    text,
    applied_to              text        not null check (applied_to in ('AMOUNT_DUE', 'PREPAID_WALLET')),
    idempotency_key         text,
    created_by              text        not null,
    created_at              timestamptz not null,
    -- Stripe: the credit note is made on the Stripe invoice by the billing worker (an outbox on this row).
    stripe_state            text        not null check (stripe_state in ('PENDING', 'PUSHED', 'FAILED', 'SKIPPED')),
    stripe_credit_note_id   text        unique,
    stripe_attempts         int         not null default 0,
    stripe_next_attempt_at  timestamptz,
    stripe_last_error       text,
    unique (invoice_id, idempotency_key)
);
create index credit_notes_invoice on credit_notes (invoice_id, id);
create index credit_notes_tenant on credit_notes (tenant_id, created_at);
create index credit_notes_stripe_due on credit_notes (stripe_next_attempt_at) where stripe_state = 'PENDING';
alter table credit_notes enable row level security;
alter table credit_notes force row level security;
create policy tenant_isolation on credit_notes
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- What the invoice's credit notes credited, beside what it billed (which never changes after issue).
alter table invoices add column credited_minor bigint not null default 0 check (credited_minor >= 0);
-- Not tied to refunded_minor: Stripe refunds what it collected, and its figure is recorded as it comes.
alter table invoices add constraint invoices_credited_within_total
    check (credited_minor = 0 or credited_minor <= total_minor);

alter table ledger_transactions drop constraint ledger_transactions_kind_check;
alter table ledger_transactions add constraint ledger_transactions_kind_check
    check (kind in ('INVOICE_ISSUED', 'CREDIT_GRANTED', 'PAYMENT', 'REFUND', 'INVOICE_VOIDED',
                    'INVOICE_UNCOLLECTIBLE', 'OPERATOR_PAYOUT', 'CREDIT_NOTE'));

-- invoice.credited: told when a credit note lowers what the invoice asks or credits the wallet; the event carries
-- `credited` (all its credit notes so far).
create or replace function myriad_invoice_event(type text, i invoices) returns void language sql as $$
    select myriad_webhook_event(i.tenant_id, type, jsonb_build_object(
        'invoiceId', i.id, 'tenantId', i.tenant_id, 'number', i.number, 'period', i.period, 'state', i.state,
        'total', jsonb_build_object('amountMinor', i.total_minor, 'currency', i.currency),
        'refunded', jsonb_build_object('amountMinor', i.refunded_minor, 'currency', i.currency),
        'credited', jsonb_build_object('amountMinor', i.credited_minor, 'currency', i.currency),
        'issuedAt', myriad_utc_text(i.issued_at), 'dueAt', myriad_utc_text(i.due_at),
        'paidAt', myriad_utc_text(i.paid_at), 'paymentFailedAt', myriad_utc_text(i.payment_failed_at),
        'overdueSince', myriad_utc_text(i.overdue_since),
        'collectionMethod', i.collection_method, 'hostedInvoiceUrl', i.hosted_invoice_url))
$$;

create or replace function invoice_events() returns trigger language plpgsql as $$
declare
    type text;
begin
    -- A credit note that credits what is left is told first, then the invoice's PAID that follows from it.
    if tg_op = 'UPDATE' and new.credited_minor > old.credited_minor then
        perform myriad_invoice_event('invoice.credited', new);
    end if;
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
                       or new.refunded_minor > old.refunded_minor
                       or new.credited_minor > old.credited_minor)
    execute function invoice_events();
