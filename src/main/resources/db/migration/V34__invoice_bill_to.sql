-- Who an invoice is made out to (docs/billing.md, "Billing contact and payment methods"): the tenant's billing
-- contact as it stood when the invoice was issued (its legal name, else the tenant's name; its email and address),
-- kept with the invoice and never changed after, as its lines and amounts are not. A draft has none stored: it shows
-- the contact as it is now. Invoices issued before this migration have none.
alter table invoices add column bill_to jsonb;

create function myriad_bill_to(tenant uuid) returns jsonb language sql stable as $$
    select jsonb_strip_nulls(jsonb_build_object(
               'name', coalesce(p.legal_name, t.name), 'email', p.email,
               'address', case when p.address_line1 is not null then jsonb_build_object(
                   'line1', p.address_line1, 'line2', p.address_line2, 'city', p.city,
                   'postalCode', p.postal_code, 'state', p.state, 'country', p.country) end))
      from tenants t left join billing_profiles p on p.tenant_id = t.id
     where t.id = tenant
$$;

create function invoice_bill_to_kept() returns trigger language plpgsql as $$
begin
    if old.bill_to is not null and new.bill_to is distinct from old.bill_to then
        raise exception 'invoice %: who it is made out to never changes once it is issued', old.id;
    end if;
    return new;
end $$;
create trigger invoices_bill_to_kept before update of bill_to on invoices
    for each row execute function invoice_bill_to_kept();
