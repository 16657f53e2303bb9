-- The spot price history's pruning (SpotPriceHistory, hourly) finds the old rows by time across clusters and models.
create index spot_prices_at on spot_prices (at);
