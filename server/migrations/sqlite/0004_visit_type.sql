-- The kind of visit decides which intake forms are asked (forms/visit-types.txt).
ALTER TABLE appointment ADD COLUMN visit_type TEXT NOT NULL DEFAULT 'office-visit';
