-- A project can be archived (docs/tenancy.md, "Projects"): it takes no new jobs or reservations, while what it
-- runs, queues and has reserved carries on; its usage, invoices and history stay. Unarchiving clears both columns.
alter table projects add column archived_at timestamptz;
alter table projects add column archived_by text;
alter table projects add constraint projects_archived_by check ((archived_at is null) = (archived_by is null));
