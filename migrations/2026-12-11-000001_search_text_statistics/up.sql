-- A search's plan hangs on how many tasks the planner expects its words to
-- match. For a pattern with a leading '%' it counts the matching entries of
-- the column's histogram: with the default 100, a term in 1% of the tasks
-- matches one entry or none, by the luck of ANALYZE's sample, and the
-- estimate swings a hundredfold (10,000 or 100 of 1,000,000 tasks: the
-- search's plan, and its time, with it). A thousand entries see it.
ALTER TABLE tasks ALTER COLUMN search_text SET STATISTICS 1000;
