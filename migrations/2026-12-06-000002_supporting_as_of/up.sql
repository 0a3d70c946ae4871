-- A supporting role handed on says whether the successor joined the task by it
-- (it supported it not already, nor led it): so the supporting agencies of a
-- task as of an earlier day are today's, with the predecessors of later moves
-- put back and the agencies that joined by them taken out.
ALTER TABLE task_agency_moves ADD COLUMN joined boolean NOT NULL DEFAULT false;
