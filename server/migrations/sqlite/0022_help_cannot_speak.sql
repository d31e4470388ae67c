-- A call for help a tablet makes itself when a patient asked for spoken guidance and it has no
-- voice: the desk is told why someone is needed.
ALTER TABLE help_request ADD COLUMN cannot_speak INTEGER NOT NULL DEFAULT 0;
