DROP TABLE responses;
DROP TABLE invitations;
DROP TABLE waves;
DROP TABLE study_units;
DROP TABLE studies;
DROP TABLE survey_versions;
DROP TABLE units;
