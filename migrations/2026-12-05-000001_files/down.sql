ALTER TABLE evidence_documents DROP COLUMN file_id;
DROP TABLE file_chunks;
DROP TABLE files;
