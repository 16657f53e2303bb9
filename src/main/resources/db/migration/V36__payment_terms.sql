-- Payment terms (docs/billing.md, "Payment terms"): how a tenant's invoices are collected. CHARGE_AUTOMATICALLY
-- (Stripe charges the customer's default payment method when the invoice is finalized) or SEND_INVOICE (Stripe emails
-- the invoice with a page to pay it, due a number of days after issue: net terms). Net terms are credit the
-- marketplace extends, so platform admins set them; a tenant without a row is charged automatically, due after
-- myriad.billing.payment-terms-days.
create table payment_terms (
    tenant_id          uuid        primary key references tenants (id),
    collection_method  text        not null check (collection_method in ('CHARGE_AUTOMATICALLY', 'SEND_INVOICE')),
    days_until_due     int         not null check (days_until_due between 0 and 120),
    updated_at         timestamptz not null,
    updated_by         text        not null
);
alter table payment_terms enable row level security;
alter table payment_terms force row level security;
create policy tenant_isolation on payment_terms
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());

-- Each invoice keeps how it is collected as the terms stood at its issue, and Stripe's page where it is paid (a
-- SEND_INVOICE invoice, or a charge that failed and is paid another way).
alter table invoices add column collection_method text not null default 'CHARGE_AUTOMATICALLY'
    check (collection_method in ('CHARGE_AUTOMATICALLY', 'SEND_INVOICE'));
alter table invoices add column hosted_invoice_url text;

-- Since when an unpaid invoice counts against its tenant: a charged one from its first failed payment (Stripe retries
-- meanwhile), a sent one from its due date (a payment attempt that fails before then is the tenant's to retry, within
-- its terms). The grace period (myriad.billing.payment-grace) runs from here; suspension, its lifting and the
-- tenant's standing all read it, so the rule is written once.
alter table invoices add column overdue_since timestamptz generated always as (
    case when collection_method = 'SEND_INVOICE' then due_at else payment_failed_at end) stored;
-- The billing worker's scan for invoices overdue past the grace period, every round.
create index invoices_overdue on invoices (overdue_since) where state = 'ISSUED' and overdue_since is not null;

-- Invoice events carry how the invoice is collected and where it is paid.
create or replace function myriad_invoice_event(type text, i invoices) returns void language sql as $$
    select myriad_webhook_event(i.tenant_id, type, jsonb_build_object(
        'invoiceId', i.id, 'tenantId', i.tenant_id, 'number', i.number, 'period', i.period, 'state', i.state,
        'total', jsonb_build_object('amountMinor', i.total_minor, 'currency', i.currency),
        'refunded', jsonb_build_object('amountMinor', i.refunded_minor, 'currency', i.currency),
        'issuedAt', myriad_utc_text(i.issued_at), 'dueAt', myriad_utc_text(i.due_at),
        'paidAt', myriad_utc_text(i.paid_at), 'paymentFailedAt', myriad_utc_text(i.payment_failed_at),
        'collectionMethod', i.collection_method, 'hostedInvoiceUrl', i.hosted_invoice_url))
$$;
