-- Misses at identification and pass codes; the same tables as migrations/0017_identify_throttle.sql.
CREATE TABLE identify_miss (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX identify_miss_by_key ON identify_miss (key, at);

CREATE TABLE identify_lockout (
    key   TEXT PRIMARY KEY,
    until TEXT NOT NULL
);
