-- Agencies change: mergers, splits, renames and dissolutions (issue 17).
-- An agency is valid from `valid_from` (inclusive; NULL: since before the
-- system's records) to `valid_to` (exclusive; NULL: still in being), province
-- dates. A reorganisation is one event with its decision; its links say who
-- succeeded whom, and each task role it handed on is kept, so that a task's
-- agency as of an earlier day can be told.

ALTER TABLE agencies
    ADD COLUMN valid_from date,
    ADD COLUMN valid_to date,
    ADD CONSTRAINT agencies_validity_check
        CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_to > valid_from);

CREATE TABLE reorganisations (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('merge', 'split', 'rename', 'dissolve')),
    effective_on    date NOT NULL,
    document_number text NOT NULL CHECK (char_length(document_number) BETWEEN 1 AND 100),
    issued_on       date NOT NULL,
    issuer          text NOT NULL CHECK (char_length(issuer) BETWEEN 1 AND 300),
    recorded_by     uuid REFERENCES users (id),
    recorded_at     timestamptz NOT NULL,
    -- what it did, as the POST answered it
    outcome         jsonb NOT NULL,
    CHECK (issued_on <= effective_on)
);
CREATE INDEX reorganisations_effective_on_idx ON reorganisations (effective_on, id);

-- Every agency a reorganisation touched, once per day: a second
-- reorganisation of one agency on one day is refused (and this backs it).
CREATE TABLE reorganisation_agencies (
    reorganisation_id uuid NOT NULL REFERENCES reorganisations (id),
    agency_id         uuid NOT NULL REFERENCES agencies (id),
    effective_on      date NOT NULL,
    PRIMARY KEY (reorganisation_id, agency_id),
    UNIQUE (agency_id, effective_on)
);

CREATE TABLE agency_successions (
    reorganisation_id uuid NOT NULL REFERENCES reorganisations (id),
    predecessor_id    uuid NOT NULL REFERENCES agencies (id),
    successor_id      uuid NOT NULL REFERENCES agencies (id),
    effective_on      date NOT NULL,
    PRIMARY KEY (predecessor_id, successor_id),
    CHECK (predecessor_id <> successor_id)
);
CREATE INDEX agency_successions_successor_idx ON agency_successions (successor_id, predecessor_id);

-- Earlier names: `name` was the agency's name until `valid_to` (exclusive).
CREATE TABLE agency_names (
    agency_id         uuid NOT NULL REFERENCES agencies (id),
    valid_to          date NOT NULL,
    name              text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    reorganisation_id uuid NOT NULL REFERENCES reorganisations (id),
    PRIMARY KEY (agency_id, valid_to)
);

-- Each task role handed on: from `effective_on` the role is `to_agency_id`'s.
CREATE TABLE task_agency_moves (
    reorganisation_id uuid NOT NULL REFERENCES reorganisations (id),
    task_id           uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    role              text NOT NULL CHECK (role IN ('lead', 'supporting')),
    from_agency_id    uuid NOT NULL REFERENCES agencies (id),
    to_agency_id      uuid NOT NULL REFERENCES agencies (id),
    effective_on      date NOT NULL,
    PRIMARY KEY (reorganisation_id, task_id, role, from_agency_id)
);
CREATE INDEX task_agency_moves_task_idx ON task_agency_moves (task_id, effective_on);
CREATE INDEX task_agency_moves_from_idx ON task_agency_moves (from_agency_id);
CREATE INDEX task_agency_moves_to_idx ON task_agency_moves (to_agency_id);
