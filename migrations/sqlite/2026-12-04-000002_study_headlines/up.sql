-- The dashboard's headline per dimension, computed from the study's effect
-- (or roll-out) report and kept until anything the report depends on
-- changes (the digest of the study, its units, arms, waves, adoption dates
-- and response counts). Keep in step with the other backend.
CREATE TABLE study_headlines (
    study_id BIGINT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    headlines TEXT NOT NULL
);
