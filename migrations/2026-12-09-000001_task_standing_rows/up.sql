-- Every task has its standing row from the start, so that keeping a
-- standing is an update of a row that is there: a page keeps the standings
-- of its rows with FOR UPDATE SKIP LOCKED and so never waits on a writer
-- (an insert racing a writer's insert of the same key would wait).
INSERT INTO task_standing (task_id)
SELECT t.id FROM tasks t
ON CONFLICT (task_id) DO NOTHING;

CREATE TRIGGER tasks_standing_row AFTER INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_standing_changed();
