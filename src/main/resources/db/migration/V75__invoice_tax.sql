-- Tax on invoices (docs/billing.md, "Tax"; docs/design/invoice-tax.md): the marketplace sells the card time, so it
-- charges the tax on it (VAT, GST, sales tax) at the rate of the tenant's terms, or the platform's rate when its terms
-- name none. The rate is a percentage with up to four decimals (6, 13, 8.875); 0 is a tenant charged no tax (exempt,
-- or reverse charge: its own tax ID says who accounts for it).
alter table payment_terms add column tax_rate_percent numeric(7, 4) check (tax_rate_percent between 0 and 100);
alter table payment_terms add column tax_name text check (tax_name ~ '^[A-Za-z][A-Za-z0-9 .()&/-]{0,31}$');

-- One TAX line per invoice (the rate and its name kept on it, as they stood at rating), and the invoice's tax sum.
alter table invoice_lines add column tax_rate_percent numeric(7, 4);
alter table invoice_lines add column tax_name text;
alter table invoice_lines drop constraint invoice_lines_kind_check;
alter table invoice_lines add constraint invoice_lines_kind_check
    check (kind in ('USAGE', 'ADJUSTMENT', 'PREEMPTION_CREDIT', 'RESERVATION', 'RESERVATION_EXTENSION',
                    'RESERVATION_CANCELLATION', 'RESERVATION_SHORTFALL_CREDIT', 'COMMITMENT_DISCOUNT',
                    'COMMITMENT_SHORTFALL', 'TAX', 'PREPAID_CREDIT', 'CREDIT_CARRIED'));
alter table invoice_lines add constraint invoice_lines_tax_rate check ((kind = 'TAX') = (tax_rate_percent is not null));
alter table invoices add column tax_minor bigint not null default 0;
-- Who sells: the marketplace's legal name, address and tax registration as they stood at the invoice's issue (a tax
-- invoice names its supplier's tax number); null on invoices issued before.
alter table invoices add column seller jsonb;

-- Tax collected is owed to the tax authority: a liability of the marketplace, never revenue, never an operator's.
alter table ledger_entries drop constraint ledger_entries_account_check;
alter table ledger_entries add constraint ledger_entries_account_check
    check (account in ('TENANT_RECEIVABLE', 'TENANT_CREDIT', 'OPERATOR_PAYABLE', 'MARKETPLACE_REVENUE',
                       'STRIPE_CLEARING', 'TAX_PAYABLE'));

-- An issued invoice's tax does not change, as its other amounts do not.
create or replace function invoice_transition_allowed() returns trigger language plpgsql as $$
begin
    if new.state <> old.state
       and not exists (select 1 from invoice_transitions where from_state = old.state and to_state = new.state) then
        raise exception 'invoice % may not go from % to %', old.id, old.state, new.state using errcode = '23514';
    end if;
    if old.state <> 'DRAFT' and (new.total_minor is distinct from old.total_minor
            or new.subtotal_minor is distinct from old.subtotal_minor
            or new.tax_minor is distinct from old.tax_minor
            or new.credit_applied_minor is distinct from old.credit_applied_minor) then
        raise exception 'invoice % is issued: its amounts do not change', old.id using errcode = '23514';
    end if;
    return new;
end $$;

-- Invoice events carry the tax beside the total (a finance system books the two to different accounts).
create or replace function myriad_invoice_event(type text, i invoices) returns void language sql as $$
    select myriad_webhook_event(i.tenant_id, type, jsonb_build_object(
        'invoiceId', i.id, 'tenantId', i.tenant_id, 'number', i.number, 'period', i.period, 'state', i.state,
        'subtotal', jsonb_build_object('amountMinor', i.subtotal_minor, 'currency', i.currency),
        'tax', jsonb_build_object('amountMinor', i.tax_minor, 'currency', i.currency),
        'total', jsonb_build_object('amountMinor', i.total_minor, 'currency', i.currency),
        'refunded', jsonb_build_object('amountMinor', i.refunded_minor, 'currency', i.currency),
        'credited', jsonb_build_object('amountMinor', i.credited_minor, 'currency', i.currency),
        'issuedAt', myriad_utc_text(i.issued_at), 'dueAt', myriad_utc_text(i.due_at),
        'paidAt', myriad_utc_text(i.paid_at), 'paymentFailedAt', myriad_utc_text(i.payment_failed_at),
        'overdueSince', myriad_utc_text(i.overdue_since),
        'collectionMethod', i.collection_method, 'hostedInvoiceUrl', i.hosted_invoice_url))
$$;
