-- The queues list claims and extension requests oldest first, usually of one
-- status (the pending ones), sometimes of all.
CREATE INDEX completion_claims_queue_idx ON completion_claims (status, created_at, id);
CREATE INDEX completion_claims_created_idx ON completion_claims (created_at, id);
CREATE INDEX extension_requests_queue_idx ON extension_requests (status, created_at, id);
CREATE INDEX extension_requests_created_idx ON extension_requests (created_at, id);
