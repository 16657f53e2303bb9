-- A job may ask CPU (thousandths of a core) and memory (MiB) besides its cards: the whole job's, a gang's spread over
-- its nodes in proportion to its cards on each (docs/jobs.md, "CPU and memory"). 0: none asked, cards only (every
-- job before this migration).
alter table jobs add column cpu_milli bigint not null default 0 check (cpu_milli >= 0);
alter table jobs add column memory_mib bigint not null default 0 check (memory_mib >= 0);
