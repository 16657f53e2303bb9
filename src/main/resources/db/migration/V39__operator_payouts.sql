-- Payouts to city operators (docs/billing.md, "Operator settlement"): the marketplace pays an operator what its
-- payable account holds, by bank transfer, and a platform admin records it. A payout is a ledger transaction of its
-- own kind: OPERATOR_PAYABLE debited (the debt paid down), STRIPE_CLEARING credited (the money collected through
-- Stripe leaves). Of no billing period (period null), so a period's settlement statement and its reconciliation
-- read exactly what they read before.
alter table ledger_transactions drop constraint ledger_transactions_kind_check;
alter table ledger_transactions add constraint ledger_transactions_kind_check
    check (kind in ('INVOICE_ISSUED', 'CREDIT_GRANTED', 'PAYMENT', 'REFUND', 'INVOICE_VOIDED',
                    'INVOICE_UNCOLLECTIBLE', 'OPERATOR_PAYOUT'));
-- An operator's payouts, newest first.
create index ledger_entries_operator_payable on ledger_entries (owner_id, currency) where account = 'OPERATOR_PAYABLE';
