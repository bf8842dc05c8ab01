-- The durable outbox (see src/mail/worker.rs). Keep in step with ../../postgres.
-- The opt-out link carries its own token (never the survey token), stored as a hash.
ALTER TABLE invitations ADD COLUMN optout_hash TEXT;
-- When the last message to this person was accepted (unix ms), for reminder gaps.
ALTER TABLE invitations ADD COLUMN last_sent_at BIGINT;
CREATE UNIQUE INDEX invitations_optout ON invitations (optout_hash);

-- One message: unique per invitation, kind and round, so a repeated
-- `wave send` or `wave remind` queues nothing twice. The message id is fixed
-- when queued, so a resend after a crash carries the same Message-ID.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations (id),
    wave_id INTEGER NOT NULL REFERENCES waves (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    round INTEGER NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    lease_until BIGINT,
    sent_at BIGINT,
    last_error TEXT,
    UNIQUE (invitation_id, kind, round)
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_wave ON outbox (wave_id, state);
