-- A job's quote may name the CPU (thousandths of a core) and memory (MiB) the job will ask (V19): its earliest start
-- then counts them, and a job no nodes could ever carry is not quoted. 0: cards only.
alter table quotes add column cpu_milli bigint not null default 0 check (cpu_milli >= 0);
alter table quotes add column memory_mib bigint not null default 0 check (memory_mib >= 0);
