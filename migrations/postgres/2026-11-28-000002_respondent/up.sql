-- The respondent's side. Keep in step with ../../sqlite.

-- A half-filled form, under its own random key (the database has the key's
-- hash; the browser has the key in an HttpOnly cookie). No invitation, no
-- person: only the wave, so drafts can be deleted when it closes.
CREATE TABLE drafts (
    key_hash TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES waves (id),
    answers BYTEA NOT NULL,
    texts TEXT NOT NULL,
    page INTEGER NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX drafts_wave ON drafts (wave_id);

-- One link per unit and wave, for staff without work e-mail (printed as QR).
CREATE TABLE unit_links (
    token_hash TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES waves (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    UNIQUE (wave_id, unit_id)
);

-- Free-text answers of a response.
CREATE TABLE response_texts (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (response_id, question)
);
