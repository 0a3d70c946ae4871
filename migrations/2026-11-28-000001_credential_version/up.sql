-- Bumped by every password change: access tokens carry the version they were
-- issued under and are refused once it moves, without waiting for expiry.
ALTER TABLE users ADD COLUMN credential_version integer NOT NULL DEFAULT 0;
