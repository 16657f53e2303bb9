-- A job's quote may name the project the job will run in (createQuote's projectId): its earliestStartAt then counts
-- that project's card limits beside the tenant's, as the scheduling loop admits the job. Shown on the quote; not a
-- term of the price.
alter table quotes add column project_id uuid references projects (id);
