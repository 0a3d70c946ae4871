-- Reporting periods (kỳ báo cáo), the agencies' period reports, and the plan's
-- indicators with their observations. A closed period keeps its own copy of
-- every task's standing, so later edits never change what it reported.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE reporting_periods (
    id             uuid PRIMARY KEY,
    plan_id        uuid NOT NULL REFERENCES plans (id),
    kind           text NOT NULL CHECK (kind IN ('quarter', 'half_year', 'nine_months', 'year')),
    value          text NOT NULL CHECK (value ~ '^[0-9]{4}(-Q[1-4]|-H1|-9M)?$'),
    label          text NOT NULL,
    data_from      date NOT NULL,
    data_to        date NOT NULL,
    report_due_on  date NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at      timestamptz,
    closed_by      uuid REFERENCES users (id),
    -- the plan summary as of data_to, taken when the period closed
    frozen_summary jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (plan_id, kind, value),
    CHECK (data_from <= data_to),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND frozen_summary IS NOT NULL)),
    -- two periods of one kind in one plan never count the same day twice
    EXCLUDE USING gist (plan_id WITH =, kind WITH =, daterange(data_from, data_to, '[]') WITH &&)
);
CREATE INDEX reporting_periods_closed_by_idx ON reporting_periods (closed_by);

-- Each task as it stood on the period's data_to, taken at closing: the same
-- columns the task view reads, so the same filters, orders and JSON apply.
CREATE TABLE period_tasks (
    period_id             uuid NOT NULL REFERENCES reporting_periods (id),
    id                    uuid NOT NULL REFERENCES tasks (id),
    plan_id               uuid NOT NULL,
    code                  text NOT NULL,
    title                 text NOT NULL,
    area                  text NOT NULL,
    objective_id          uuid,
    lead_agency_id        uuid NOT NULL REFERENCES agencies (id),
    deadline_kind         text NOT NULL,
    deadline_value        text,
    deadline_label        text NOT NULL,
    original_due_on       date NOT NULL,
    due_on                date NOT NULL,
    expected_output       text NOT NULL,
    status                text NOT NULL,
    progress_percent      smallint NOT NULL,
    completed_on          date,
    search_text           text NOT NULL,
    version               integer NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    lead_code             text NOT NULL,
    lead_name             text NOT NULL,
    effective_due_on      date NOT NULL,
    days_overdue          integer NOT NULL,
    supporting            json NOT NULL,
    supporting_agency_ids uuid[] NOT NULL,
    status_as_of          text NOT NULL,
    progress_as_of        smallint NOT NULL,
    -- the lead agency's latest report by data_to
    progress_summary      text,
    progress_reported_at  timestamptz,
    PRIMARY KEY (period_id, id)
);
CREATE INDEX period_tasks_task_idx ON period_tasks (id);
CREATE INDEX period_tasks_lead_idx ON period_tasks (lead_agency_id);
CREATE INDEX period_tasks_supporting_idx ON period_tasks USING gin (supporting_agency_ids);

-- One report per agency per period (báo cáo định kỳ của cơ quan).
CREATE TABLE agency_period_reports (
    period_id          uuid NOT NULL REFERENCES reporting_periods (id),
    agency_id          uuid NOT NULL REFERENCES agencies (id),
    status             text NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted', 'returned')),
    document_number    text CHECK (char_length(document_number) BETWEEN 1 AND 100),
    issued_on          date,
    results            text NOT NULL DEFAULT '' CHECK (char_length(results) <= 20000),
    limitations        text NOT NULL DEFAULT '' CHECK (char_length(limitations) <= 20000),
    causes             text NOT NULL DEFAULT '' CHECK (char_length(causes) <= 20000),
    next_steps         text NOT NULL DEFAULT '' CHECK (char_length(next_steps) <= 20000),
    author_id          uuid NOT NULL REFERENCES users (id),
    -- the first submission decides whether the report was on time
    first_submitted_at timestamptz,
    submitted_at       timestamptz,
    reviewer_id        uuid REFERENCES users (id),
    reviewed_at        timestamptz,
    review_comment     text CHECK (char_length(review_comment) <= 5000),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (period_id, agency_id),
    CHECK (status = 'draft' OR submitted_at IS NOT NULL),
    CHECK ((first_submitted_at IS NULL) = (submitted_at IS NULL))
);
CREATE INDEX agency_period_reports_agency_idx ON agency_period_reports (agency_id);
CREATE INDEX agency_period_reports_author_idx ON agency_period_reports (author_id);
CREATE INDEX agency_period_reports_reviewer_idx ON agency_period_reports (reviewer_id);

CREATE TABLE indicators (
    id                    uuid PRIMARY KEY,
    plan_id               uuid NOT NULL REFERENCES plans (id),
    code                  text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    name                  text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 500),
    unit                  text NOT NULL CHECK (unit IN ('percent', 'count', 'amount_vnd', 'rank', 'score')),
    direction             text NOT NULL CHECK (direction IN ('increase', 'decrease')),
    target_value          double precision,
    target_out_of         integer CHECK (target_out_of > 0),
    responsible_agency_id uuid REFERENCES agencies (id),
    aggregation           text NOT NULL CHECK (aggregation IN ('sum', 'ratio', 'none')),
    note                  text CHECK (char_length(note) <= 2000),
    created_at            timestamptz NOT NULL,
    UNIQUE (plan_id, code),
    CHECK (target_out_of IS NULL OR target_value IS NOT NULL)
);
CREATE INDEX indicators_responsible_idx ON indicators (responsible_agency_id);

-- A figure for a period: the province's (agency_id NULL) or one agency's.
CREATE TABLE indicator_observations (
    indicator_id uuid NOT NULL REFERENCES indicators (id),
    period_id    uuid NOT NULL REFERENCES reporting_periods (id),
    agency_id    uuid REFERENCES agencies (id),
    value        double precision NOT NULL,
    numerator    double precision,
    denominator  double precision CHECK (denominator > 0),
    source       text CHECK (char_length(source) <= 300),
    note         text CHECK (char_length(note) <= 2000),
    recorded_by  uuid NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL,
    CHECK ((numerator IS NULL) = (denominator IS NULL))
);
CREATE UNIQUE INDEX indicator_observations_one_idx
    ON indicator_observations (indicator_id, period_id, agency_id) NULLS NOT DISTINCT;
CREATE INDEX indicator_observations_period_idx ON indicator_observations (period_id);
CREATE INDEX indicator_observations_agency_idx ON indicator_observations (agency_id);
CREATE INDEX indicator_observations_recorded_by_idx ON indicator_observations (recorded_by);
