-- A day's spend far above the days before it (quotas' spendAnomalyPercent) raises an alert of its own: measure
-- SPEND_ANOMALY, its period the UTC day (yyyy-MM-dd), its threshold that percentage (10-1000), once a day per scope.
alter table alerts drop constraint alerts_measure_check;
alter table alerts add constraint alerts_measure_check
    check (measure in ('BUDGET', 'GPU_HOURS', 'BUDGET_FORECAST', 'SPEND_ANOMALY'));
alter table alerts drop constraint alerts_threshold_check;
alter table alerts add constraint alerts_threshold_check check (threshold between 1 and 1000);
