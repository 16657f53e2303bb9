-- What the agents measure besides card-seconds, kept by the hour as the card-seconds are (getUsage's lines): how busy
-- the cards were and the energy they drew, from the events that reported them (`utilization`, `energyWh`, V8).
--   utilized_milli_cms      Σ utilization in thousandths × card-milli-seconds, over the events that reported one
--   utilization_cms         Σ card-milli-seconds of those events (the mean is utilized / (1000 × this))
--   energy_milli_wh         Σ energy in milli-watt-hours; null while no event of the row reported energy
-- Events rolled up before this migration count in neither (their rows keep 0 and null): the lines of those hours
-- show no utilization or energy rather than a part of it presented as the whole.
alter table usage_rollups add column utilized_milli_cms bigint not null default 0 check (utilized_milli_cms >= 0);
alter table usage_rollups add column utilization_cms bigint not null default 0 check (utilization_cms >= 0);
alter table usage_rollups add column energy_milli_wh bigint check (energy_milli_wh >= 0);
