-- When the patient first identified at a kiosk for this appointment: with arrived_at, the
-- time spent at the kiosk, and abandonment (started, never arrived) for the desk's numbers.
ALTER TABLE appointment ADD COLUMN kiosk_started_at TEXT;
