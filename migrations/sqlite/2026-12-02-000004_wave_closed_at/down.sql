ALTER TABLE waves DROP COLUMN closed_at;
