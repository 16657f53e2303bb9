-- A budget's forecast for the month reaching the share of the budget its quotas name (forecastAlertPercent) raises
-- an alert of its own: measure BUDGET_FORECAST, threshold that percentage, once a period per scope (the unique key).
alter table alerts drop constraint alerts_measure_check;
alter table alerts add constraint alerts_measure_check
    check (measure in ('BUDGET', 'GPU_HOURS', 'BUDGET_FORECAST'));
