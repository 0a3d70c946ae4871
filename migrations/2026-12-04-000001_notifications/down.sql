DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP TABLE task_reminders;
DROP TABLE outbox_events;
