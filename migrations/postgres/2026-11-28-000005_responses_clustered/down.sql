ALTER TABLE response_texts
    DROP CONSTRAINT response_texts_wave_id_unit_id_response_id_fkey,
    DROP CONSTRAINT response_texts_pkey;
ALTER TABLE responses DROP CONSTRAINT responses_pkey;
ALTER TABLE responses ADD PRIMARY KEY (id);
CREATE INDEX responses_scan ON responses (wave_id, unit_id, id) INCLUDE (answers);
ALTER TABLE response_texts
    DROP COLUMN wave_id,
    DROP COLUMN unit_id,
    ADD PRIMARY KEY (response_id, question),
    ADD FOREIGN KEY (response_id) REFERENCES responses (id);
