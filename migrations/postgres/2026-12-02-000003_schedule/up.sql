-- A roll-out's randomised adoption order (klimat design roll-out --study):
-- the schedule as drawn (JSON: request with seed, steps, hash), recorded
-- once and never changed, so that the report can verify it and test the
-- effect against the schedules the design could have drawn. Keep in step
-- with the other backend.
CREATE TABLE study_schedules (
    study_id BIGINT PRIMARY KEY REFERENCES studies (id),
    schedule TEXT NOT NULL,
    hash TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
