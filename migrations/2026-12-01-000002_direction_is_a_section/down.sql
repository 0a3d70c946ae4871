UPDATE reform_areas
   SET name = 'Xây dựng và phát triển Chính phủ điện tử, Chính phủ số'
 WHERE code = 'digital_government';

ALTER TABLE reform_areas DROP COLUMN is_reform_area;
