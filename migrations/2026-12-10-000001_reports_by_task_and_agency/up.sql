-- A task's status and progress on a day come from its lead agency's reports
-- up to that day's end: the latest one, found by walking this index back
-- from the day's end (before it, PostgreSQL combined the task's index with
-- the agency's, which holds every report of a busy agency).
CREATE INDEX progress_reports_task_agency_idx
    ON progress_reports (task_id, agency_id, created_at, id);
