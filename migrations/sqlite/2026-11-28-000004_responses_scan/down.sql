CREATE INDEX responses_wave_unit ON responses (wave_id, unit_id);
DROP INDEX responses_scan;
