-- Core model of the PAR plan tracker. Integrity is enforced here as well as in
-- the application: every foreign key has an index, every enum-like column a CHECK.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE reform_areas (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
    name     text NOT NULL,
    position integer NOT NULL UNIQUE
);

INSERT INTO reform_areas (code, name, position) VALUES
    ('direction',          'Công tác chỉ đạo, điều hành CCHC', 1),
    ('institution',        'Cải cách thể chế', 2),
    ('admin_procedure',    'Cải cách thủ tục hành chính', 3),
    ('organisation',       'Cải cách tổ chức bộ máy hành chính nhà nước', 4),
    ('civil_service',      'Cải cách chế độ công vụ', 5),
    ('public_finance',     'Cải cách tài chính công', 6),
    ('digital_government', 'Xây dựng và phát triển Chính phủ điện tử, Chính phủ số', 7);

CREATE TABLE agencies (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    kind       text NOT NULL CHECK (kind IN ('province', 'department', 'district', 'board', 'vertical', 'commune')),
    parent_id  uuid REFERENCES agencies (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX agencies_parent_id_idx ON agencies (parent_id);
CREATE INDEX agencies_name_idx ON agencies (name, id);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'coordinator', 'agency_officer', 'inspector')),
    agency_id     uuid REFERENCES agencies (id),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- an agency officer always speaks for exactly one agency
    CHECK (role <> 'agency_officer' OR agency_id IS NOT NULL)
);
CREATE INDEX users_agency_id_idx ON users (agency_id);

CREATE TABLE plans (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    year       integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    programme  text CHECK (char_length(programme) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plans_year_idx ON plans (year DESC, id);

CREATE TABLE objectives (
    id         uuid PRIMARY KEY,
    plan_id    uuid NOT NULL REFERENCES plans (id),
    code       text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, code)
);

CREATE TABLE tasks (
    id               uuid PRIMARY KEY,
    plan_id          uuid NOT NULL REFERENCES plans (id),
    code             text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 1000),
    area             text NOT NULL REFERENCES reform_areas (code),
    objective_id     uuid REFERENCES objectives (id),
    lead_agency_id   uuid NOT NULL REFERENCES agencies (id),
    deadline_kind    text NOT NULL CHECK (deadline_kind IN ('date', 'month', 'quarter', 'ongoing')),
    deadline_value   text CHECK ((deadline_kind = 'ongoing') = (deadline_value IS NULL)),
    deadline_label   text NOT NULL,
    original_due_on  date NOT NULL,
    due_on           date NOT NULL,
    expected_output  text NOT NULL CHECK (char_length(expected_output) <= 2000),
    status           text NOT NULL DEFAULT 'not_started'
                     CHECK (status IN ('not_started', 'in_progress', 'submitted', 'completed', 'cancelled')),
    progress_percent smallint NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    completed_on     date,
    -- code, title and expected output folded to lower-case ASCII (Vietnamese
    -- diacritics removed) by the application, for accent-insensitive search
    search_text      text NOT NULL,
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, code),
    CHECK ((status = 'completed') = (completed_on IS NOT NULL)),
    CHECK (due_on >= original_due_on)
);
-- keyset orders used by the list endpoint, each ending in id for a total order
CREATE INDEX tasks_plan_due_idx ON tasks (plan_id, due_on, id);
CREATE INDEX tasks_due_idx ON tasks (due_on, id);
CREATE INDEX tasks_code_idx ON tasks (code, id);
CREATE INDEX tasks_updated_idx ON tasks (updated_at DESC, id DESC);
-- overdue as of a date needs original_due_on < as_of (extensions only move later)
CREATE INDEX tasks_open_original_due_idx ON tasks (original_due_on, id);
CREATE INDEX tasks_lead_agency_idx ON tasks (lead_agency_id, due_on, id);
CREATE INDEX tasks_objective_id_idx ON tasks (objective_id);
CREATE INDEX tasks_area_idx ON tasks (area, due_on, id);
CREATE INDEX tasks_search_trgm_idx ON tasks USING gin (search_text gin_trgm_ops);

CREATE TABLE task_supporting_agencies (
    task_id   uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    agency_id uuid NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (task_id, agency_id)
);
CREATE INDEX task_supporting_agencies_agency_idx ON task_supporting_agencies (agency_id, task_id);

CREATE TABLE progress_reports (
    id               uuid PRIMARY KEY,
    task_id          uuid NOT NULL REFERENCES tasks (id),
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    author_id        uuid NOT NULL REFERENCES users (id),
    progress_percent smallint NOT NULL CHECK (progress_percent BETWEEN 0 AND 100),
    summary          text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 5000),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX progress_reports_task_idx ON progress_reports (task_id, created_at, id);
CREATE INDEX progress_reports_agency_idx ON progress_reports (agency_id);
CREATE INDEX progress_reports_author_idx ON progress_reports (author_id);

CREATE TABLE completion_claims (
    id             uuid PRIMARY KEY,
    task_id        uuid NOT NULL REFERENCES tasks (id),
    agency_id      uuid NOT NULL REFERENCES agencies (id),
    author_id      uuid NOT NULL REFERENCES users (id),
    completed_on   date NOT NULL,
    summary        text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 5000),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'returned')),
    reviewer_id    uuid REFERENCES users (id),
    reviewed_at    timestamptz,
    review_comment text CHECK (char_length(review_comment) <= 5000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (reviewed_at IS NULL))
);
CREATE INDEX completion_claims_task_idx ON completion_claims (task_id, created_at);
CREATE INDEX completion_claims_agency_idx ON completion_claims (agency_id);
CREATE INDEX completion_claims_author_idx ON completion_claims (author_id);
CREATE INDEX completion_claims_reviewer_idx ON completion_claims (reviewer_id);

-- Documents cited as evidence, by a progress report or by a completion claim.
CREATE TABLE evidence_documents (
    id                  uuid PRIMARY KEY,
    report_id           uuid REFERENCES progress_reports (id),
    completion_claim_id uuid REFERENCES completion_claims (id),
    position            smallint NOT NULL CHECK (position >= 0),
    document_number     text NOT NULL CHECK (char_length(document_number) BETWEEN 1 AND 100),
    issued_on           date NOT NULL,
    issuer              text NOT NULL CHECK (char_length(issuer) BETWEEN 1 AND 300),
    title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 1000),
    url                 text CHECK (url ~ '^https?://'),
    CHECK ((report_id IS NULL) <> (completion_claim_id IS NULL))
);
CREATE INDEX evidence_documents_report_idx ON evidence_documents (report_id, position);
CREATE INDEX evidence_documents_claim_idx ON evidence_documents (completion_claim_id, position);
CREATE INDEX evidence_documents_number_idx ON evidence_documents (document_number);

CREATE TABLE extension_requests (
    id               uuid PRIMARY KEY,
    task_id          uuid NOT NULL REFERENCES tasks (id),
    requested_by     uuid NOT NULL REFERENCES users (id),
    previous_due_on  date NOT NULL,
    requested_due_on date NOT NULL CHECK (requested_due_on > previous_due_on),
    reason           text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 5000),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by       uuid REFERENCES users (id),
    decided_at       timestamptz,
    -- the decision's calendar day in the province (UTC+7): what "as of" compares against
    decided_on       date,
    decision_comment text CHECK (char_length(decision_comment) <= 5000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL AND decided_on IS NULL))
);
CREATE INDEX extension_requests_task_idx ON extension_requests (task_id, decided_on);
CREATE INDEX extension_requests_requested_by_idx ON extension_requests (requested_by);
CREATE INDEX extension_requests_decided_by_idx ON extension_requests (decided_by);
-- at most one open request per task
CREATE UNIQUE INDEX extension_requests_one_pending_idx ON extension_requests (task_id) WHERE status = 'pending';

CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id),
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    task_id     uuid REFERENCES tasks (id),
    changes     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_task_idx ON audit_events (task_id, id);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    -- a chain of rotations; presenting a used token revokes the whole family
    family_id   uuid NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE idempotency_records (
    user_id         uuid NOT NULL REFERENCES users (id),
    scope           text NOT NULL,
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text NOT NULL,
    response_status smallint NOT NULL,
    response_body   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, idempotency_key)
);
CREATE INDEX idempotency_records_created_idx ON idempotency_records (created_at);

CREATE TABLE login_failures (
    subject      text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

CREATE TABLE app_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);
