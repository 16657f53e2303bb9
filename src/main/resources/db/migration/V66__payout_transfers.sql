-- Payouts through Stripe (docs/billing.md, "Payouts"): an operator with a Stripe connected account is paid by a Stripe
-- transfer to it instead of a bank transfer made outside Myriad. The payout is posted when it is made, as any payout
-- (the payable debited, Stripe clearing credited), and the transfer goes out through an outbox on this table; one
-- Stripe refuses for good is reversed in the ledger (OPERATOR_PAYOUT_REVERSED: the operator payable again).

-- The operator's Stripe connected account, set by platform admins.
create table operator_payout_accounts (
    operator_id        uuid        primary key references operators (id),
    stripe_account_id  text        not null check (stripe_account_id ~ '^acct_[A-Za-z0-9]{1,64}$'),
    updated_at         timestamptz not null,
    updated_by         text        not null
);

create table payout_transfers (
    transaction_id      uuid        primary key references ledger_transactions (id),
    operator_id         uuid        not null references operators (id),
    destination         text        not null check (destination ~ '^acct_[A-Za-z0-9]{1,64}$'),
    amount_minor        bigint      not null check (amount_minor > 0),
    currency            text        not null check (currency ~ '^[A-Z]{3}$'),
    description         text        not null,
    state               text        not null check (state in ('PENDING', 'SENT', 'FAILED')),
    stripe_transfer_id  text        unique,
    attempts            int         not null default 0,
    next_attempt_at     timestamptz,
    last_error          text,
    sent_at             timestamptz,
    check ((state = 'SENT') = (stripe_transfer_id is not null))
);
create index payout_transfers_due on payout_transfers (next_attempt_at) where state = 'PENDING';

alter table ledger_transactions drop constraint ledger_transactions_kind_check;
alter table ledger_transactions add constraint ledger_transactions_kind_check
    check (kind in ('INVOICE_ISSUED', 'CREDIT_GRANTED', 'PAYMENT', 'REFUND', 'INVOICE_VOIDED',
                    'INVOICE_UNCOLLECTIBLE', 'OPERATOR_PAYOUT', 'CREDIT_NOTE', 'CREDIT_NOTE_VOIDED',
                    'OPERATOR_PAYOUT_REVERSED'));
