DROP INDEX audit_events_inspection_idx;
ALTER TABLE audit_events DROP COLUMN inspection_id;
DROP INDEX evidence_documents_remedy_idx;
ALTER TABLE evidence_documents DROP CONSTRAINT evidence_documents_one_owner;
DELETE FROM evidence_documents WHERE finding_remedy_id IS NOT NULL;
ALTER TABLE evidence_documents DROP COLUMN finding_remedy_id;
ALTER TABLE evidence_documents ADD CONSTRAINT evidence_documents_check
    CHECK ((report_id IS NULL) <> (completion_claim_id IS NULL));
DROP TABLE finding_remedies;
DROP TABLE findings;
DROP TABLE inspections;
