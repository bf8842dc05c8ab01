-- A viewer account or API token limited to one unit and everything under it:
-- it sees only those units' figures and the organisation's. None: the whole
-- organisation. Keep in step with the other backend.
ALTER TABLE users ADD COLUMN scope_unit_id BIGINT REFERENCES units (id);
ALTER TABLE api_tokens ADD COLUMN scope_unit_id BIGINT REFERENCES units (id);
