-- A password someone else chose (the printed first-admin password, one set by an admin) works
-- once: until its owner picks their own, it opens nothing but the password change.
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
