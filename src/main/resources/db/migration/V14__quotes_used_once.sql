-- A quote is a price for one purchase: the first reservation or job made with it uses it up, in the purchase's own
-- transaction (the primary key decides between two made at once); another purchase naming it is refused with 409
-- QUOTE_USED. Before this a quote could be used by any number of purchases while valid: a reservation quote kept
-- an old price for any number of cards bought after a price rise, a spot quote the price of a quieter moment.
create table quote_uses (
    quote_id   uuid        primary key references quotes (id),
    tenant_id  uuid        not null references tenants (id),
    used_by    uuid        not null,
    used_at    timestamptz not null
);
alter table quote_uses enable row level security;
alter table quote_uses force row level security;
create policy tenant_isolation on quote_uses
    using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
    with check (myriad_platform_scope() or tenant_id = myriad_current_tenant());
