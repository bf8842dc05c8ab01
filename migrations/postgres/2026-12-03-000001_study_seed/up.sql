-- Each study's seed for the random procedures of its reports (the wild
-- bootstrap, sampled permutations, the multiplier bootstrap, the randomisation
-- test), fixed when the study is created, so that the web, the API and the
-- command line give the same numbers. Studies from before keep 1, the seed
-- their reports used. Keep in step with the other backend.
ALTER TABLE studies ADD COLUMN seed BIGINT NOT NULL DEFAULT 1;
