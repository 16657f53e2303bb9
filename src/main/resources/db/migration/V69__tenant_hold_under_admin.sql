-- A platform admin's hold (reason HELD_BY_ADMIN) may lie over the tenant's own: the tenant held the job (its data not
-- ready, a bug found) and support held it too, or the tenant held it while support did. The admin's release must not
-- start a job its tenant wants held (it would run, and be charged, against the tenant's wish): the row keeps that the
-- tenant's hold lies under the admin's, and the admin's release leaves the job HELD_BY_TENANT. Meaningful only while
-- the reason is HELD_BY_ADMIN; false for every other job.
alter table jobs add column tenant_hold_under_admin boolean not null default false;

-- Admin holds made before this column over a tenant's hold: the job's history says so (the tenant's hold, then the
-- admin's, HELD → HELD, with no release between).
update jobs j set tenant_hold_under_admin = true
 where j.state = 'HELD' and j.reason = 'HELD_BY_ADMIN'
   and (select t.reason from job_transitions t
         where t.job_id = j.id and t.reason <> 'HELD_BY_ADMIN' order by t.seq desc limit 1) = 'HELD_BY_TENANT';
