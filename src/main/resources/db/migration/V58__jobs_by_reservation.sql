-- A reservation's jobs, found by it (getReservationUtilization reads their runs): only RESERVED jobs carry one.
create index jobs_reservation on jobs (reservation_id) where reservation_id is not null;
