DROP TABLE manager_notices;
DROP TABLE unit_managers;
