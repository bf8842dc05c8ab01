-- The smallest group whose free-text comments may be shown, fixed per wave
-- like min_group_size: comments are shown on a partition of the wave's
-- respondents into cells of at least this many, and a partition made at
-- another minimum would let the two be subtracted. Never below the wave's
-- min_group_size. Keep in step with the other backend.
ALTER TABLE waves ADD COLUMN min_group_size_comments INTEGER NOT NULL DEFAULT 10;
UPDATE waves SET min_group_size_comments = min_group_size WHERE min_group_size > 10;
