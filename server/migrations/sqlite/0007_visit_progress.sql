-- Where a visit is after arrival, set by staff: roomed, or marked a no-show. (Kept beside
-- `status` rather than widening its CHECK, which SQLite can only do by rebuilding the table.)
ALTER TABLE appointment ADD COLUMN roomed_at TEXT;
ALTER TABLE appointment ADD COLUMN no_show_at TEXT;
