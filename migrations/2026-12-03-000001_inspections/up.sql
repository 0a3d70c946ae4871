-- Inspections (kiểm tra CCHC) of agencies under a plan's inspection
-- programme, their findings (hạn chế, thiếu sót, vi phạm), and the remedies
-- the inspected agencies report, verified by the inspectors. Their history
-- goes to the same audit trail as the tasks'.

CREATE TABLE inspections (
    id                          uuid PRIMARY KEY,
    plan_id                     uuid NOT NULL REFERENCES plans (id),
    agency_id                   uuid NOT NULL REFERENCES agencies (id),
    scheduled_on                date NOT NULL,
    -- the reform areas inspected (codes of reform_areas), at least one, no repeats
    scope                       text[] NOT NULL CHECK (
        cardinality(scope) BETWEEN 1 AND 7
        AND scope <@ ARRAY['direction', 'institution', 'admin_procedure', 'organisation',
                           'civil_service', 'public_finance', 'digital_government']::text[]
    ),
    team                        text NOT NULL CHECK (char_length(team) BETWEEN 1 AND 2000),
    plan_document               text CHECK (char_length(plan_document) BETWEEN 1 AND 100),
    status                      text NOT NULL CHECK (status IN ('planned', 'conducted', 'concluded', 'cancelled')),
    conducted_on                date,
    conclusion_document_number  text CHECK (char_length(conclusion_document_number) BETWEEN 1 AND 100),
    conclusion_issued_on        date,
    conclusion_issuer           text CHECK (char_length(conclusion_issuer) BETWEEN 1 AND 300),
    conclusion                  text CHECK (char_length(conclusion) <= 20000),
    created_by                  uuid NOT NULL REFERENCES users (id),
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    -- the province day it was cancelled, for counts as of a day
    cancelled_on                date,
    -- findings repeat the plan and the agency, held to the inspection's by this key
    UNIQUE (id, plan_id, agency_id),
    CHECK ((status IN ('conducted', 'concluded')) = (conducted_on IS NOT NULL)),
    CHECK (conducted_on IS NULL OR conducted_on >= scheduled_on),
    CHECK ((status = 'concluded') = (conclusion_document_number IS NOT NULL)),
    CHECK ((conclusion_document_number IS NULL) = (conclusion_issued_on IS NULL)),
    CHECK ((conclusion_document_number IS NULL) = (conclusion_issuer IS NULL)),
    CHECK (conclusion_issued_on IS NULL OR conclusion_issued_on >= conducted_on),
    CHECK (conclusion IS NULL OR conclusion_document_number IS NOT NULL),
    CHECK ((status = 'cancelled') = (cancelled_on IS NOT NULL))
);
-- keyset orders of the list, each ending in id
CREATE INDEX inspections_scheduled_idx ON inspections (scheduled_on, id);
CREATE INDEX inspections_plan_idx ON inspections (plan_id, scheduled_on, id);
CREATE INDEX inspections_agency_idx ON inspections (agency_id, scheduled_on, id);
CREATE INDEX inspections_created_by_idx ON inspections (created_by);

CREATE TABLE findings (
    id              uuid PRIMARY KEY,
    inspection_id   uuid NOT NULL,
    plan_id         uuid NOT NULL,
    agency_id       uuid NOT NULL REFERENCES agencies (id),
    area            text NOT NULL REFERENCES reform_areas (code),
    description     text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 5000),
    severity        text NOT NULL CHECK (severity IN ('shortcoming', 'violation')),
    required_action text NOT NULL CHECK (char_length(required_action) BETWEEN 1 AND 5000),
    due_on          date NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'remedy_reported', 'verified', 'returned')),
    -- the province day it was recorded and, once accepted, the day its remedy
    -- was verified: what "as of a day" compares against
    recorded_on     date NOT NULL,
    verified_on     date,
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    FOREIGN KEY (inspection_id, plan_id, agency_id) REFERENCES inspections (id, plan_id, agency_id),
    CHECK ((status = 'verified') = (verified_on IS NOT NULL)),
    CHECK (verified_on IS NULL OR verified_on >= recorded_on)
);
CREATE INDEX findings_inspection_idx ON findings (inspection_id, due_on, id);
CREATE INDEX findings_due_idx ON findings (due_on, id);
CREATE INDEX findings_plan_idx ON findings (plan_id, due_on, id);
CREATE INDEX findings_agency_idx ON findings (agency_id, due_on, id);
CREATE INDEX findings_area_idx ON findings (area);
CREATE INDEX findings_created_by_idx ON findings (created_by);

-- Each report of how a finding was remedied, and its verification.
CREATE TABLE finding_remedies (
    id                   uuid PRIMARY KEY,
    finding_id           uuid NOT NULL REFERENCES findings (id),
    agency_id            uuid NOT NULL REFERENCES agencies (id),
    author_id            uuid NOT NULL REFERENCES users (id),
    summary              text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 5000),
    status               text NOT NULL CHECK (status IN ('pending', 'accepted', 'returned')),
    reviewer_id          uuid REFERENCES users (id),
    reviewed_at          timestamptz,
    review_comment       text CHECK (char_length(review_comment) <= 5000),
    created_at           timestamptz NOT NULL,
    CHECK ((status = 'pending') = (reviewed_at IS NULL))
);
CREATE INDEX finding_remedies_finding_idx ON finding_remedies (finding_id, created_at, id);
CREATE INDEX finding_remedies_agency_idx ON finding_remedies (agency_id);
CREATE INDEX finding_remedies_author_idx ON finding_remedies (author_id);
CREATE INDEX finding_remedies_reviewer_idx ON finding_remedies (reviewer_id);
-- at most one remedy awaiting verification per finding
CREATE UNIQUE INDEX finding_remedies_one_pending_idx ON finding_remedies (finding_id) WHERE status = 'pending';

-- A remedy cites evidence as reports and claims do.
ALTER TABLE evidence_documents ADD COLUMN finding_remedy_id uuid REFERENCES finding_remedies (id);
ALTER TABLE evidence_documents DROP CONSTRAINT evidence_documents_check;
ALTER TABLE evidence_documents ADD CONSTRAINT evidence_documents_one_owner CHECK (
    num_nonnulls(report_id, completion_claim_id, finding_remedy_id) = 1
);
CREATE INDEX evidence_documents_remedy_idx ON evidence_documents (finding_remedy_id, position);

-- An inspection's history: its own events and those of its findings and remedies.
ALTER TABLE audit_events ADD COLUMN inspection_id uuid REFERENCES inspections (id);
CREATE INDEX audit_events_inspection_idx ON audit_events (inspection_id, id);
