-- Who did what, where, and whether it was allowed: real columns for the admin commands' audit.
-- Entries written before this migration (and those of the store's own seeding) leave them NULL.
ALTER TABLE audit_log ADD COLUMN user_id INTEGER;
ALTER TABLE audit_log ADD COLUMN guild_id INTEGER;
ALTER TABLE audit_log ADD COLUMN command TEXT;
ALTER TABLE audit_log ADD COLUMN outcome TEXT;
CREATE INDEX audit_log_user ON audit_log (user_id) WHERE user_id IS NOT NULL;
