-- A job changed before it starts (updateJob): the scheduling loop hears of it and reads the row again, its
-- eligible time (a notBefore moved) included.
alter table scheduler_inbox drop constraint scheduler_inbox_kind_check;
alter table scheduler_inbox add constraint scheduler_inbox_kind_check
    check (kind in ('SUBMITTED', 'ENDED', 'REQUEUED', 'NODES', 'HELD', 'RELEASED', 'UPDATED'));
