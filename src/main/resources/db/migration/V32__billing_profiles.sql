-- A tenant's billing contact: where Stripe sends its invoices and receipts, the legal name and address they carry
-- (docs/billing.md, "Billing contact and payment methods"). Set whole by the tenant's admins; each change is a new
-- version, and the billing worker brings the tenant's Stripe customer up to it (an update per version, keyed by it),
-- retried with backoff like an invoice push.
create table billing_profiles (
    tenant_id               uuid        primary key references tenants (id),
    email                   text        not null check (length(email) between 3 and 254),
    legal_name              text        check (length(legal_name) between 1 and 200),
    address_line1           text        check (length(address_line1) between 1 and 200),
    address_line2           text        check (length(address_line2) <= 200),
    city                    text        check (length(city) <= 100),
    postal_code             text        check (length(postal_code) <= 20),
    state                   text        check (length(state) <= 100),
    country                 text        check (country ~ '^[A-Z]{2}$'),
    version                 bigint      not null check (version > 0),
    updated_at              timestamptz not null,
    updated_by              text        not null,
    -- The version the Stripe customer carries (0: none yet), and the retries of bringing it up to date.
    stripe_synced_version   bigint      not null default 0,
    stripe_attempts         int         not null default 0,
    stripe_next_attempt_at  timestamptz,
    stripe_last_error       text,
    check ((address_line1 is null) = (country is null))
);
-- The worker's scan: profiles Stripe has not caught up with.
create index billing_profiles_unsynced on billing_profiles (stripe_next_attempt_at)
    where stripe_synced_version < version;
alter table billing_profiles enable row level security;
alter table billing_profiles force row level security;
create policy tenant_isolation on billing_profiles
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
