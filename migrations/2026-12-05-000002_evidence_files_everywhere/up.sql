-- An extension request may cite documents too (the agency's letter asking for
-- more time, the decision that delayed the work), with their files.
ALTER TABLE evidence_documents ADD COLUMN extension_request_id uuid REFERENCES extension_requests (id);
ALTER TABLE evidence_documents DROP CONSTRAINT evidence_documents_one_owner;
ALTER TABLE evidence_documents ADD CONSTRAINT evidence_documents_one_owner CHECK (
    num_nonnulls(report_id, completion_claim_id, finding_remedy_id, extension_request_id) = 1
);
CREATE INDEX evidence_documents_extension_idx ON evidence_documents (extension_request_id, position);

-- An agency's period report is itself a document: its signed copy, uploaded.
ALTER TABLE agency_period_reports ADD COLUMN file_id uuid REFERENCES files (id);
CREATE INDEX agency_period_reports_file_idx ON agency_period_reports (file_id);
