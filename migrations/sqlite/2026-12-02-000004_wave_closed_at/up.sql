-- When a wave closed, so that a later change that reaches back before it
-- (an adoption date recorded after the fact) can be told apart from one made
-- while the wave was still to come. Waves closed before this column existed
-- have none. Keep in step with the other backend.
ALTER TABLE waves ADD COLUMN closed_at TIMESTAMP;
