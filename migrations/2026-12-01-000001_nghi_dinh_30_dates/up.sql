-- Deadline labels written as Nghị định 30/2020 writes dates: days below 10 and
-- the months 1 and 2 take a leading zero, other months do not (30/9/2023,
-- 31/01/2024, Tháng 01/2024, Tháng 9/2024). Labels are stored, so they are rewritten.
UPDATE tasks
   SET deadline_label = substr(deadline_value, 9, 2) || '/'
       || CASE WHEN substr(deadline_value, 6, 2) IN ('01', '02') THEN substr(deadline_value, 6, 2)
               ELSE ltrim(substr(deadline_value, 6, 2), '0') END
       || '/' || substr(deadline_value, 1, 4)
 WHERE deadline_kind = 'date';

UPDATE tasks
   SET deadline_label = 'Tháng '
       || CASE WHEN substr(deadline_value, 6, 2) IN ('01', '02') THEN substr(deadline_value, 6, 2)
               ELSE ltrim(substr(deadline_value, 6, 2), '0') END
       || '/' || substr(deadline_value, 1, 4)
 WHERE deadline_kind = 'month';
