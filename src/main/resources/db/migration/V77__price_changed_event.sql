-- `price.changed` (asked for, as the maintenance events are; not in the default set): a new version of a cluster's
-- price book, in force now or announced for later (setPrices with effectiveAt), told to every tenant whose webhook
-- names it: prices are public, and a tenant plans its spending on clusters it does not use yet. The data is the
-- version as getPrices renders it (clusterId, version, currency, sameBlockPremiumPercent, effectiveAt, prices) and
-- `scheduled`: whether it comes into force later than it was set. A constraint trigger deferred to the commit, as the
-- version's prices are inserted after its row; the writing transaction runs in the platform scope (it writes a
-- delivery for each tenant).
create function price_book_event() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from webhooks w where 'price.changed' = any (w.events)) then
        return null;
    end if;
    perform myriad_webhook_event(w.tenant_id, 'price.changed', jsonb_build_object(
                'clusterId', new.cluster_id, 'version', new.version, 'currency', new.currency,
                'sameBlockPremiumPercent', new.same_block_premium_percent,
                -- To the microsecond, as stored (myriad_utc_text keeps seconds): the instant getPrices shows.
                'effectiveAt', to_char(new.effective_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'scheduled', new.effective_at > now(),
                -- A price without spot bounds has no floor or ceiling keys, as the API renders it.
                'prices', (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                   'model', p.model, 'class', p.price_class,
                                   'unitPrice', jsonb_build_object('amountMinor', p.unit_price_minor,
                                                                   'currency', new.currency),
                                   'floor', case when p.floor_minor is null then null
                                                 else jsonb_build_object('amountMinor', p.floor_minor,
                                                                         'currency', new.currency) end,
                                   'ceiling', case when p.ceiling_minor is null then null
                                                   else jsonb_build_object('amountMinor', p.ceiling_minor,
                                                                           'currency', new.currency) end))
                                   order by p.model, p.price_class), '[]'::jsonb)
                             from prices p where p.cluster_id = new.cluster_id and p.version = new.version)))
      from webhooks w
     where 'price.changed' = any (w.events);
    return null;
end $$;
create constraint trigger price_books_told after insert on price_books
    deferrable initially deferred
    for each row execute function price_book_event();
