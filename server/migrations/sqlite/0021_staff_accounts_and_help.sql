-- An account an administrator disabled: it signs in to nothing, and its sessions are gone.
ALTER TABLE staff ADD COLUMN disabled_at TEXT;

-- The member of staff an audited action was about (disabled, enabled, password reset,
-- sessions ended), beside the one who did it.
ALTER TABLE audit_entry ADD COLUMN subject_staff_id INTEGER REFERENCES staff(id);

-- Failed sign-ins, by key: `pair:<username>|<client>` and `client:<client>` (auth/login
-- throttle). Kept in the database so every server sharing it counts the same failures.
CREATE TABLE login_failure (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX login_failure_by_key ON login_failure (key, at);

-- At most one open help request per tablet: a second tap is the same request, not a new
-- banner and chime on every board. Older duplicates are closed at their own time.
UPDATE help_request SET acknowledged_at = requested_at
WHERE acknowledged_at IS NULL
  AND id NOT IN (SELECT MAX(id) FROM help_request WHERE acknowledged_at IS NULL GROUP BY kiosk_id);
CREATE UNIQUE INDEX help_request_one_open ON help_request (kiosk_id) WHERE acknowledged_at IS NULL;
CREATE INDEX help_request_by_kiosk ON help_request (kiosk_id, requested_at);
