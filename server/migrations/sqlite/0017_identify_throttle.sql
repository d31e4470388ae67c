-- Misses at identification and pass codes, per tablet and per client address (issue 7): kept
-- in the database so that every server sharing it counts the same misses (with N servers a
-- guesser gets no more tries than with one). `key` is `kiosk:<id>` or `address:<ip>`.
CREATE TABLE identify_miss (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX identify_miss_by_key ON identify_miss (key, at);

CREATE TABLE identify_lockout (
    key   TEXT PRIMARY KEY,
    until TEXT NOT NULL
);
