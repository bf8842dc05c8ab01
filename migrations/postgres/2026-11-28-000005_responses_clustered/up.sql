-- Responses keyed by (wave, unit, id), the order scoring reads them, with
-- the answers carried in that key's index for index-only scans: one index
-- takes each submission instead of two (the id's and the covering one).
-- Free-text answers refer to their response by the same key.
-- Keep in step with ../../sqlite.
ALTER TABLE response_texts ADD COLUMN wave_id BIGINT, ADD COLUMN unit_id BIGINT;
UPDATE response_texts t SET wave_id = r.wave_id, unit_id = r.unit_id
    FROM responses r WHERE r.id = t.response_id;
ALTER TABLE response_texts
    ALTER COLUMN wave_id SET NOT NULL,
    ALTER COLUMN unit_id SET NOT NULL,
    DROP CONSTRAINT response_texts_response_id_fkey,
    DROP CONSTRAINT response_texts_pkey;
ALTER TABLE responses DROP CONSTRAINT responses_pkey;
ALTER TABLE responses ADD PRIMARY KEY (wave_id, unit_id, id) INCLUDE (answers);
DROP INDEX responses_scan;
ALTER TABLE response_texts
    ADD PRIMARY KEY (wave_id, unit_id, response_id, question),
    ADD FOREIGN KEY (wave_id, unit_id, response_id) REFERENCES responses (wave_id, unit_id, id);
