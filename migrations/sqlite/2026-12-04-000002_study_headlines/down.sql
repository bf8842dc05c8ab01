DROP TABLE study_headlines;
