-- The province's plans and reports speak of 06 reform areas (lĩnh vực CCHC);
-- "Chỉ đạo, điều hành" is a section of the plan beside them, not an area. Its
-- code `direction` stays (tasks and clients use it); the list marks it.
ALTER TABLE reform_areas ADD COLUMN is_reform_area boolean NOT NULL DEFAULT true;

UPDATE reform_areas
   SET is_reform_area = false, name = 'Công tác chỉ đạo, điều hành CCHC'
 WHERE code = 'direction';

-- Named as provincial documents name it.
UPDATE reform_areas
   SET name = 'Xây dựng và phát triển Chính quyền điện tử, Chính quyền số'
 WHERE code = 'digital_government';
