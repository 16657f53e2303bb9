-- The tenant's tax IDs (docs/billing.md, "Billing contact and payment methods"): a VAT number, a Chinese unified
-- social credit code, ... as Stripe types them (eu_vat, cn_tin, ...), at most five. Part of the billing contact and
-- of its versions: the Stripe customer carries them (Stripe prints them on its invoices and receipts), and each
-- invoice keeps them in who it is made out to.
alter table billing_profiles add column tax_ids jsonb not null default '[]'
    check (jsonb_typeof(tax_ids) = 'array' and jsonb_array_length(tax_ids) <= 5);

create or replace function myriad_bill_to(tenant uuid) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
               'name', coalesce(p.legal_name, t.name), 'email', p.email,
               'address', case when p.address_line1 is not null then jsonb_build_object(
                   'line1', p.address_line1, 'line2', p.address_line2, 'city', p.city,
                   'postalCode', p.postal_code, 'state', p.state, 'country', p.country) end,
               'taxIds', case when jsonb_array_length(p.tax_ids) > 0 then p.tax_ids end))
      from tenants t left join billing_profiles p on p.tenant_id = t.id
     where t.id = tenant
$$;
