-- Four tables that carry a tenant were left without the row-level wall every tenant-owned table has
-- (docs/design/row-level-security.md), found by RowLevelSecurityTest's catalogue check: a tenant's Stripe customer,
-- its billing suspension, its jobs' usage reconciliations and the ledger's transactions (an operator's payout has no
-- tenant: only the platform scope sees it, as every operator figure is read). The same policy as the others.
do $$
declare
    t text;
begin
    foreach t in array array['stripe_customers', 'billing_suspensions', 'usage_reconciliations', 'ledger_transactions'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
                            using (myriad_platform_scope() or tenant_id = myriad_current_tenant())
                            with check (myriad_platform_scope() or tenant_id = myriad_current_tenant())', t);
    end loop;
end $$;
