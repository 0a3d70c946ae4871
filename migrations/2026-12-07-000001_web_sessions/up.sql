-- Sessions of the web pages (issue 15): the cookie's SHA-256 is the key (the cookie
-- itself is never stored), with the per-session CSRF token every form carries. In
-- PostgreSQL, so any node serves any session; logging out deletes the row.
CREATE TABLE web_sessions (
    token_hash         text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the account's credential version at login: a password change ends the session
    credential_version integer NOT NULL,
    csrf_token         text NOT NULL CHECK (char_length(csrf_token) BETWEEN 32 AND 128),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
CREATE INDEX web_sessions_user_id ON web_sessions (user_id);
