DROP TRIGGER tasks_standing_row ON tasks;
