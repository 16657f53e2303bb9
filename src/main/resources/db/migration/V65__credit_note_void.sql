-- Voiding a credit note (docs/billing.md, "Credit notes"): a note made by mistake (the wrong invoice, amount or
-- reason) is undone whole while its invoice is still owed, as Stripe allows (a note can be voided only while its
-- invoice is open). The invoice owes again what the note took off; the ledger reverses the note's transaction; the
-- FOCUS export has a reversing row in the month of the void. A note on a paid invoice (credited to the wallet, which
-- the next close may have spent) is never voided: a later invoice's line corrects it.
alter table credit_notes add column voided_at timestamptz;
alter table credit_notes add column voided_by text;
alter table credit_notes add column void_memo text;
alter table credit_notes add constraint credit_notes_void_of_amount_due
    check (voided_at is null or applied_to = 'AMOUNT_DUE');
alter table credit_notes add constraint credit_notes_void_whole
    check ((voided_at is null) = (voided_by is null));
-- Stripe: the note voided there too, once it was made there (an outbox of its own beside the create's). null: nothing
-- to void in Stripe (not voided, or never made there).
alter table credit_notes add column stripe_void_state text
    check (stripe_void_state in ('PENDING', 'VOIDED', 'FAILED'));
alter table credit_notes add column stripe_void_attempts int not null default 0;
alter table credit_notes add column stripe_void_next_attempt_at timestamptz;
alter table credit_notes add column stripe_void_last_error text;
create index credit_notes_stripe_void_due on credit_notes (stripe_void_next_attempt_at)
    where stripe_void_state = 'PENDING';
create index credit_notes_voided on credit_notes (voided_at) where voided_at is not null;

alter table ledger_transactions drop constraint ledger_transactions_kind_check;
alter table ledger_transactions add constraint ledger_transactions_kind_check
    check (kind in ('INVOICE_ISSUED', 'CREDIT_GRANTED', 'PAYMENT', 'REFUND', 'INVOICE_VOIDED',
                    'INVOICE_UNCOLLECTIBLE', 'OPERATOR_PAYOUT', 'CREDIT_NOTE', 'CREDIT_NOTE_VOIDED'));

-- invoice.credit_note_voided: told when a void makes the invoice ask more again; the event carries `credited` (its
-- credit notes not voided).
create or replace function invoice_events() returns trigger language plpgsql as $$
declare
    type text;
begin
    -- A credit note that credits what is left is told first, then the invoice's PAID that follows from it.
    if tg_op = 'UPDATE' and new.credited_minor > old.credited_minor then
        perform myriad_invoice_event('invoice.credited', new);
    end if;
    if tg_op = 'UPDATE' and new.credited_minor < old.credited_minor then
        perform myriad_invoice_event('invoice.credit_note_voided', new);
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
                       or new.credited_minor <> old.credited_minor)
    execute function invoice_events();
