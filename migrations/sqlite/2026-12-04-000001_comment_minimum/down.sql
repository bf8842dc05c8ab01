ALTER TABLE waves DROP COLUMN min_group_size_comments;
