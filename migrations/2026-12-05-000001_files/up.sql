-- Evidence files: the signed documents themselves, kept in the database (so every
-- node serves them and a database backup includes them). Identical content is
-- stored once: a blob per SHA-256, its bytes in chunks of 1 MiB; each upload is a
-- `files` row (its own name, uploader and time) naming its blob.
CREATE TABLE file_blobs (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size   bigint NOT NULL CHECK (size BETWEEN 1 AND 20971520)
);

CREATE TABLE file_chunks (
    sha256 text NOT NULL REFERENCES file_blobs (sha256) ON DELETE CASCADE,
    seq    integer NOT NULL CHECK (seq >= 0),
    data   bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
    PRIMARY KEY (sha256, seq)
);
-- PDFs and scans are compressed already: no second try at it
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE files (
    id           uuid PRIMARY KEY,
    -- the name as given (NFC), shown and offered on download; never a path
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
    -- sniffed from the content, not the name or the declared type
    content_type text NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 200),
    size         bigint NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    sha256       text NOT NULL REFERENCES file_blobs (sha256),
    uploaded_by  uuid NOT NULL REFERENCES users (id),
    -- the uploader's agency at upload time: whose evidence it may become
    agency_id    uuid REFERENCES agencies (id),
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_sha256_idx ON files (sha256);
CREATE INDEX files_uploaded_by_idx ON files (uploaded_by);
CREATE INDEX files_agency_idx ON files (agency_id);
CREATE INDEX files_uploaded_at_idx ON files (uploaded_at);

-- An evidence item may carry the file itself, beside or instead of a link.
ALTER TABLE evidence_documents ADD COLUMN file_id uuid REFERENCES files (id);
CREATE INDEX evidence_documents_file_idx ON evidence_documents (file_id);
