-- "I need help" from a kiosk tablet: which tablet, at which step, until staff acknowledge it.
CREATE TABLE help_request (
    id               INTEGER PRIMARY KEY,
    kiosk_id         INTEGER NOT NULL REFERENCES kiosk_device(id),
    step             TEXT NOT NULL,
    requested_at     TEXT NOT NULL,
    acknowledged_at  TEXT,
    acknowledged_by  INTEGER REFERENCES staff(id)
);
CREATE INDEX help_request_open ON help_request(acknowledged_at, requested_at);
