DROP TABLE unit_change_units;
DROP TABLE unit_changes;
