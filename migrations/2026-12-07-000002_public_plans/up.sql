-- A plan the coordinator marks public has a read-only page without login
-- (/cong-khai/{id}): its tasks, their status, lead agency and deadline.
ALTER TABLE plans ADD COLUMN public boolean NOT NULL DEFAULT false;
