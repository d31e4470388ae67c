-- Where a pre-registration from home was left; the same table as migrations/0016_pre_progress.sql.
CREATE TABLE pre_progress (
    appointment_id BIGINT PRIMARY KEY REFERENCES appointment(id),
    body           TEXT NOT NULL,
    saved_at       TEXT NOT NULL
);
