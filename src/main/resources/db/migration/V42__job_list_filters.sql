-- listJobs filters by submitter (a member's own jobs) and by submission time (from / to), in either order of id:
-- each an index of the tenant's jobs, so neither walks every job the tenant ever submitted.
create index jobs_tenant_submitter on jobs (tenant_id, submitted_by, id);
create index jobs_tenant_created on jobs (tenant_id, created_at);
