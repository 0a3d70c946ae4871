DROP TABLE task_agency_moves;
DROP TABLE agency_names;
DROP TABLE agency_successions;
DROP TABLE reorganisation_agencies;
DROP TABLE reorganisations;
ALTER TABLE agencies DROP CONSTRAINT agencies_validity_check,
    DROP COLUMN valid_to, DROP COLUMN valid_from;
