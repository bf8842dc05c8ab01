-- A roll-out: per study unit the date it adopted the method (no row: the
-- pilot arm's units adopt on the study's intervention date, the others
-- never), and every change to it, so the report can show a date recorded
-- or changed after waves it affects had closed. Keep in step with the
-- other backend.
CREATE TABLE study_adoptions (
    study_id BIGINT NOT NULL REFERENCES studies (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    adopted_on TEXT NOT NULL,
    PRIMARY KEY (study_id, unit_id)
);

CREATE TABLE study_adoption_changes (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL REFERENCES studies (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    previous TEXT,
    adopted_on TEXT,
    recorded_at TIMESTAMP NOT NULL
);
