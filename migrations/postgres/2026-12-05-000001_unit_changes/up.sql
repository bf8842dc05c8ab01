-- Reorganisations: a unit renamed (new code or name), moved to another
-- parent, several merged into one, one split into several, each on a date.
-- `before` rows hold the units as they were (code, name, parent), `after`
-- rows as they became; a merged or split unit ends on the change's date,
-- a unit made by one begins on it. Keep in step with the other backend.
CREATE TABLE unit_changes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('rename', 'move', 'merge', 'split')),
    effective_on TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);

CREATE TABLE unit_change_units (
    change_id BIGINT NOT NULL REFERENCES unit_changes (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    side TEXT NOT NULL CHECK (side IN ('before', 'after')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES units (id),
    PRIMARY KEY (change_id, unit_id, side)
);
CREATE INDEX unit_change_units_unit ON unit_change_units (unit_id);
