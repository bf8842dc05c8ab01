-- Unit managers: who reads each unit's feedback report (the roster an
-- evaluator uploads as CSV), and the notices that tell them a report is
-- ready: a link to the report page behind the manager's login, never the
-- figures. A notice is queued once per wave, unit and address, and sent by
-- the outbox worker as invitations are. Keep in step with the other backend.
CREATE TABLE unit_managers (
    unit_id BIGINT NOT NULL REFERENCES units (id),
    email TEXT NOT NULL,
    language TEXT NOT NULL,
    PRIMARY KEY (unit_id, email)
);

CREATE TABLE manager_notices (
    id BIGSERIAL PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES waves (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    email TEXT NOT NULL,
    language TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    lease_until BIGINT,
    sent_at BIGINT,
    last_error TEXT,
    UNIQUE (wave_id, unit_id, email)
);
CREATE INDEX manager_notices_due ON manager_notices (state, due_at);
