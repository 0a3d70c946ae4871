-- Fails while an agency is a public service unit: reclassify it first.
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check
    CHECK (kind IN ('province', 'department', 'district', 'board', 'vertical', 'commune'));
