DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN email;
DROP TABLE task_reminders;
DROP TABLE outbox_events;
