DROP TABLE study_adoption_changes;
DROP TABLE study_adoptions;
