-- klimat's schema on PostgreSQL. Keep it in step with ../../sqlite.
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES units (id)
);

CREATE TABLE survey_versions (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    definition TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE studies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    survey_key TEXT NOT NULL,
    intervention_date TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE study_units (
    study_id BIGINT NOT NULL REFERENCES studies (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    arm TEXT NOT NULL CHECK (arm IN ('pilot', 'control')),
    PRIMARY KEY (study_id, unit_id)
);

CREATE TABLE waves (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL REFERENCES studies (id),
    name TEXT NOT NULL,
    survey_version_id BIGINT NOT NULL REFERENCES survey_versions (id),
    opens_on TEXT,
    closes_on TEXT,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    min_group_size INTEGER NOT NULL CHECK (min_group_size >= 3),
    UNIQUE (study_id, name)
);

-- One person invited to one wave. Shares no key, time or order with responses.
CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES waves (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    language TEXT NOT NULL,
    email TEXT,
    token_hash TEXT UNIQUE,
    delivery TEXT NOT NULL DEFAULT 'pending',
    reminders INTEGER NOT NULL DEFAULT 0,
    opted_out BOOLEAN NOT NULL DEFAULT FALSE,
    answered BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (wave_id, email)
);
CREATE INDEX invitations_wave_unit ON invitations (wave_id, unit_id);

-- The answers of one anonymous person: a random id, a coarse period (YYYY-MM)
-- and one byte per item in survey order (see store::responses).
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES waves (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    period TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('invitation', 'unit-link', 'import')),
    answers BYTEA NOT NULL
);
CREATE INDEX responses_wave_unit ON responses (wave_id, unit_id);
