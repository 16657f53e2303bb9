-- Each cluster's scheduling loop reads, every 2 s, the reservations not cancelled whose window has not ended and
-- begins within its look-ahead (ReservationRepository.activeOn). Without an index that read scans every reservation
-- ever sold on every cluster; the windows not yet ended are few, so the index is on the end, per cluster.
create index reservations_cluster_live on reservations (cluster_id, end_at) where status = 'CONFIRMED';
