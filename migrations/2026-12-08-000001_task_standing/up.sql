-- A task's standing as of a day (its lead and supporting agencies then, the
-- due date in force, its status and progress then, its pending requests),
-- kept once computed so that reading one task is one small indexed statement
-- instead of the whole as-of view (see `store::tasks::find_view`).
--
-- The stored standing is the view's own output, valid for every day from
-- `from_on` to the day before `until_on` (the first later date the view
-- compares its day with: a move, a name change, a decision...). It is used
-- only while nothing it was computed from has changed since:
--   * `basis` is bumped, by the triggers below, by every change to the task's
--     own rows the view reads; `filled_basis` is the basis the standing was
--     computed at. A standing filled from a snapshot older than a change is
--     never stored over it (the fill's upsert re-checks `basis`).
--   * `standing_epoch.epoch` is bumped by every change to what many tasks
--     share (an agency's code or name, its past names, a user's display
--     name); a standing computed at another epoch is not used.
CREATE TABLE task_standing (
    -- (No foreign key: its check would lock the task row, FOR KEY SHARE, at
    -- every keeping; tasks are never deleted.)
    task_id uuid PRIMARY KEY,
    basis bigint NOT NULL DEFAULT 0,
    filled_basis bigint,
    epoch bigint,
    from_on date,
    until_on date,
    lead_agency_id uuid,
    lead_code text,
    lead_name text,
    effective_due_on date,
    supporting text,
    status_as_of text,
    progress_as_of smallint,
    pending_claim text,
    pending_extension_request text
);

CREATE TABLE standing_epoch (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    epoch bigint NOT NULL
);
INSERT INTO standing_epoch (only_row, epoch) VALUES (true, 0);

CREATE FUNCTION task_standing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    task uuid;
    moved_from uuid;
BEGIN
    -- (Branches, not one expression: a record's fields are looked up as
    -- each statement first runs, and `tasks` has no `task_id`.)
    IF TG_TABLE_NAME = 'tasks' THEN
        task := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        task := OLD.task_id;
    ELSE
        task := NEW.task_id;
        IF TG_OP = 'UPDATE' THEN
            IF OLD.task_id <> NEW.task_id THEN
                -- A row moved to another task changes that one too.
                moved_from := OLD.task_id;
            END IF;
        END IF;
    END IF;
    -- (Written here, not in a SQL function: PL/pgSQL keeps the statement's
    -- plan, PostgreSQL 15 plans a SQL function's body at every call.)
    INSERT INTO task_standing (task_id, basis) VALUES (task, 1)
    ON CONFLICT (task_id) DO UPDATE SET basis = task_standing.basis + 1;
    IF moved_from IS NOT NULL THEN
        INSERT INTO task_standing (task_id, basis) VALUES (moved_from, 1)
        ON CONFLICT (task_id) DO UPDATE SET basis = task_standing.basis + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION standing_epoch_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE standing_epoch SET epoch = epoch + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER progress_reports_standing AFTER INSERT OR UPDATE OR DELETE ON progress_reports
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
CREATE TRIGGER completion_claims_standing AFTER INSERT OR UPDATE OR DELETE ON completion_claims
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
CREATE TRIGGER extension_requests_standing AFTER INSERT OR UPDATE OR DELETE ON extension_requests
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
CREATE TRIGGER task_supporting_agencies_standing AFTER INSERT OR UPDATE OR DELETE ON task_supporting_agencies
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
CREATE TRIGGER task_agency_moves_standing AFTER INSERT OR UPDATE OR DELETE ON task_agency_moves
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
-- The task's own columns the standing is computed from; the others are read
-- live with it.
CREATE TRIGGER tasks_standing AFTER UPDATE ON tasks
    FOR EACH ROW
    WHEN ((OLD.lead_agency_id, OLD.original_due_on, OLD.status, OLD.completed_on)
          IS DISTINCT FROM (NEW.lead_agency_id, NEW.original_due_on, NEW.status, NEW.completed_on))
    EXECUTE FUNCTION task_standing_changed();

CREATE TRIGGER agencies_standing AFTER UPDATE ON agencies
    FOR EACH ROW WHEN ((OLD.code, OLD.name) IS DISTINCT FROM (NEW.code, NEW.name))
    EXECUTE FUNCTION standing_epoch_changed();
CREATE TRIGGER agency_names_standing AFTER INSERT OR UPDATE OR DELETE ON agency_names
    FOR EACH STATEMENT EXECUTE FUNCTION standing_epoch_changed();
CREATE TRIGGER users_standing AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION standing_epoch_changed();
