DROP TABLE outbox;
DROP INDEX invitations_optout;
ALTER TABLE invitations DROP COLUMN last_sent_at;
ALTER TABLE invitations DROP COLUMN optout_hash;
