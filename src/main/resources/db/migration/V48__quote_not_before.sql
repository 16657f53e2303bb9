-- A job's quote may ask "if I submit it to start no sooner than this" (createJob's notBefore): the quote keeps the
-- time it was asked for, and its earliest start counts it. Null: as soon as it can.
alter table quotes add column not_before timestamptz;
