-- A project can be archived (docs/tenancy.md, "Concepts"): it takes no new jobs or reservations, while what it
-- runs and queues carries on; its reservations, usage, invoices and history stay. Unarchiving clears both columns.
alter table projects add column archived_at timestamptz;
alter table projects add column archived_by text;
alter table projects add constraint projects_archived_by check ((archived_at is null) = (archived_by is null));
