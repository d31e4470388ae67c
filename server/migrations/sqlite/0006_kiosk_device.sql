-- Enrolled kiosk tablets. A tablet holds its token (not PHI) in its browser storage and sends
-- it with every kiosk API call; revoking a tablet refuses its next call.
CREATE TABLE kiosk_device (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
