-- A tenant's live jobs (QUEUED, RUNNING), summed for the use of its card quotas (getTenantQuotaUse,
-- getProjectQuotaUse) without a walk of every job it ever ran.
create index jobs_tenant_live on jobs (tenant_id) where state in ('QUEUED', 'RUNNING');
