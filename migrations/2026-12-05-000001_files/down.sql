ALTER TABLE evidence_documents DROP COLUMN file_id;
DROP TABLE files;
DROP TABLE file_chunks;
DROP TABLE file_blobs;
