UPDATE tasks
   SET deadline_label = substr(deadline_value, 9, 2) || '/' || substr(deadline_value, 6, 2)
       || '/' || substr(deadline_value, 1, 4)
 WHERE deadline_kind = 'date';

UPDATE tasks
   SET deadline_label = 'Tháng ' || ltrim(substr(deadline_value, 6, 2), '0')
       || '/' || substr(deadline_value, 1, 4)
 WHERE deadline_kind = 'month';
