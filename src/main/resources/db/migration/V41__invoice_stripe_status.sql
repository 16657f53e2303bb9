-- Stripe's own status of a pushed invoice (docs/billing.md, "Where Stripe's collection ends"): open from the finalize,
-- then paid, uncollectible or void as Stripe's webhooks tell it (and void from Myriad's own void there). Kept beside
-- Myriad's state, never driving it: a write-off or a void in Stripe (its retries ended, or someone in the dashboard)
-- is shown to the platform's admins, who decide in Myriad. It only moves forward (Stripe's order of statuses: open,
-- then uncollectible, then paid or void), so a webhook arriving late never takes it back.
alter table invoices add column stripe_status text
    check (stripe_status in ('open', 'uncollectible', 'paid', 'void'));

create function myriad_stripe_status_rank(status text) returns int language sql immutable as $$
    select case status when 'open' then 1 when 'uncollectible' then 2 when 'paid' then 3 when 'void' then 3 else 0 end
$$;
