DROP TABLE study_schedules;
