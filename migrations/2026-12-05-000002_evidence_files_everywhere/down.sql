DROP INDEX agency_period_reports_file_idx;
ALTER TABLE agency_period_reports DROP COLUMN file_id;
DROP INDEX evidence_documents_extension_idx;
DELETE FROM evidence_documents WHERE extension_request_id IS NOT NULL;
ALTER TABLE evidence_documents DROP CONSTRAINT evidence_documents_one_owner;
ALTER TABLE evidence_documents DROP COLUMN extension_request_id;
ALTER TABLE evidence_documents ADD CONSTRAINT evidence_documents_one_owner CHECK (
    num_nonnulls(report_id, completion_claim_id, finding_remedy_id) = 1
);
