-- Set at check-in: the visit's intake forms were not all answered (the desk follows up).
ALTER TABLE appointment ADD COLUMN forms_incomplete INTEGER NOT NULL DEFAULT 0;
