-- Where a pre-registration from home was left (issue 5): the patient can stop and carry on
-- later from the same link, and the phone keeps nothing. One row per appointment, replaced as
-- they go, deleted when they finish. `body` is the domain's `SavedProgress` as JSON, checked
-- against its limits before it is stored.
CREATE TABLE pre_progress (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointment(id),
    body           TEXT NOT NULL,
    saved_at       TEXT NOT NULL
);
