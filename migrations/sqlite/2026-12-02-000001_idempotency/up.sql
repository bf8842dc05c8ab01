-- What an API call with an Idempotency-Key answered, so that a retried
-- call (the same key from the same caller) gets the same answer instead of
-- doing it again. Keep in step with the other backend.
CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, key)
);
