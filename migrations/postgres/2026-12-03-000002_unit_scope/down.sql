ALTER TABLE api_tokens DROP COLUMN scope_unit_id;
ALTER TABLE users DROP COLUMN scope_unit_id;
