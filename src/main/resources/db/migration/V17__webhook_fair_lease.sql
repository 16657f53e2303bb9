-- The sender leases each tenant's due deliveries in turn (docs/metering.md, "Sending"): it walks the tenants with
-- PENDING deliveries and takes each one's oldest due ones, so it reads them by tenant, then by due time.
create index webhook_deliveries_pending on webhook_deliveries (tenant_id, next_attempt_at) where state = 'PENDING';
drop index webhook_deliveries_due;
