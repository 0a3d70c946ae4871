DROP TABLE indicator_observations;
DROP TABLE indicators;
DROP TABLE agency_period_reports;
DROP TABLE period_tasks;
DROP TABLE reporting_periods;
