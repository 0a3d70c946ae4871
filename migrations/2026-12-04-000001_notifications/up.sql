-- The outbox: every domain event, written in the transaction of the change it
-- reports. Workers fan each one out (notifications, webhook deliveries) once,
-- claiming rows with FOR UPDATE SKIP LOCKED, so any number of nodes can run.

CREATE TABLE outbox_events (
    id           uuid PRIMARY KEY,
    type         text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    occurred_at  timestamptz NOT NULL,
    actor_id     uuid REFERENCES users (id),
    task_id      uuid REFERENCES tasks (id),
    subject_type text NOT NULL,
    subject_id   uuid NOT NULL,
    -- what the change recorded (as the audit trail has it)
    changes      jsonb NOT NULL,
    -- the payload every delivery of this event sends, made once at fan-out
    payload      jsonb,
    fanned_out_at timestamptz,
    CHECK ((payload IS NULL) = (fanned_out_at IS NULL))
);
CREATE INDEX outbox_events_waiting_idx ON outbox_events (occurred_at, id) WHERE fanned_out_at IS NULL;
CREATE INDEX outbox_events_task_idx ON outbox_events (task_id);
CREATE INDEX outbox_events_actor_idx ON outbox_events (actor_id);

-- One reminder per task, kind and due date (and, for due-soon, threshold):
-- the unique key makes the daily run safe to repeat on any node.
CREATE TABLE task_reminders (
    task_id     uuid NOT NULL REFERENCES tasks (id),
    kind        text NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    due_on      date NOT NULL,
    days_before integer NOT NULL CHECK (days_before >= 0),
    sent_on     date NOT NULL,
    -- written just before its event, in the same transaction
    event_id    uuid NOT NULL REFERENCES outbox_events (id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (task_id, kind, due_on, days_before)
);
CREATE INDEX task_reminders_event_idx ON task_reminders (event_id);

ALTER TABLE users ADD COLUMN email text CHECK (char_length(email) BETWEEN 3 AND 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$');

CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    event_id   uuid NOT NULL REFERENCES outbox_events (id),
    type       text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL,
    task_id    uuid REFERENCES tasks (id),
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    -- mailed when SMTP_URL is set and the account has an address: none, pending, sent, failed
    email_status       text NOT NULL DEFAULT 'none' CHECK (email_status IN ('none', 'pending', 'sent', 'failed')),
    email_attempts     integer NOT NULL DEFAULT 0,
    email_next_at      timestamptz,
    email_leased_until timestamptz,
    email_error        text,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_mail_idx ON notifications (email_next_at) WHERE email_status = 'pending';
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_event_idx ON notifications (event_id);
CREATE INDEX notifications_task_idx ON notifications (task_id);

CREATE TABLE webhooks (
    id            uuid PRIMARY KEY,
    owner_id      uuid NOT NULL REFERENCES users (id),
    url           text NOT NULL CHECK (url ~ '^https?://' AND char_length(url) <= 2000),
    events        text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    description   text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    -- Standard Webhooks secret: `whsec_` and the base64 of the key bytes
    secret        text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    paused_reason text,
    -- since when every delivery has failed; NULL while it works
    failing_since timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX webhooks_owner_idx ON webhooks (owner_id);

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    webhook_id       uuid NOT NULL REFERENCES webhooks (id),
    event_id         uuid NOT NULL REFERENCES outbox_events (id),
    status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    -- a worker's claim: until then no other node takes it
    leased_until     timestamptz,
    last_status_code integer,
    last_error       text,
    last_response    text CHECK (char_length(last_response) <= 1024),
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
