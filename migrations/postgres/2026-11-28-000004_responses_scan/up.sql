-- Scoring reads every response of a wave in (unit, id) order: an index that
-- covers it (answers included) allows index-only scans. It replaces the
-- (wave_id, unit_id) index. Keep in step with ../../sqlite.
CREATE INDEX responses_scan ON responses (wave_id, unit_id, id) INCLUDE (answers);
DROP INDEX responses_wave_unit;
