-- Options of a scheduled post: only when the figures change, and a thread to post into.
-- Existing subscriptions keep posting every run, in their channel.
ALTER TABLE subscriptions ADD COLUMN only_on_change INTEGER NOT NULL DEFAULT 0
    CHECK (only_on_change IN (0, 1));
-- the thread the posts go to (channel_id is then the thread's parent); NULL = the channel
ALTER TABLE subscriptions ADD COLUMN thread_id INTEGER;
-- the dataset version the last timed post showed: only_on_change skips a run while it is active
ALTER TABLE subscriptions ADD COLUMN last_shown_version_id INTEGER
    REFERENCES dataset_versions (id);
CREATE INDEX subscriptions_thread ON subscriptions (thread_id);
