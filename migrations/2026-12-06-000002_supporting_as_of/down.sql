ALTER TABLE task_agency_moves DROP COLUMN joined;
