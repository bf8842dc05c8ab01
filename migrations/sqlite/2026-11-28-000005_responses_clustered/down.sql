CREATE TABLE responses_by_id (
    id TEXT PRIMARY KEY,
    wave_id INTEGER NOT NULL REFERENCES waves (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    period TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('invitation', 'unit-link', 'import')),
    answers BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO responses_by_id (id, wave_id, unit_id, period, source, answers)
    SELECT id, wave_id, unit_id, period, source, answers FROM responses;

CREATE TEMPORARY TABLE texts_moving AS
    SELECT response_id, question, text FROM response_texts;
DROP TABLE response_texts;
DROP TABLE responses;
ALTER TABLE responses_by_id RENAME TO responses;
CREATE INDEX responses_scan ON responses (wave_id, unit_id, id, answers);

CREATE TABLE response_texts (
    response_id TEXT NOT NULL REFERENCES responses (id),
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (response_id, question)
);
INSERT INTO response_texts (response_id, question, text)
    SELECT response_id, question, text FROM texts_moving;
DROP TABLE texts_moving;
