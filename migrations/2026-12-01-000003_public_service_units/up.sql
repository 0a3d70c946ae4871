-- Public service units (đơn vị sự nghiệp công lập) are one of the four groups
-- the province ranks, beside departments, district-level committees and vertical agencies.
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check
    CHECK (kind IN ('province', 'department', 'district', 'board', 'vertical', 'commune',
                    'public_service_unit'));
