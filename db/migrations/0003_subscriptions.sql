-- Scheduled posts: one row per channel subscription (db/subscriptions.py holds its SQL).
-- Moments are ISO 8601 text in UTC with microseconds (db.connection.iso), so text order is
-- time order. A run is claimed before it is posted: pending_run_at (or pending_version_id, for
-- a new-data notice) says a post is under way, so a restart retries it with the same nonce.
CREATE TABLE subscriptions (
    id                       INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id                 INTEGER NOT NULL,
    channel_id               INTEGER NOT NULL,
    cadence                  TEXT NOT NULL
        CHECK (cadence IN ('daily', 'weekly', 'monthly', 'on-new-data')),
    -- UTC, HH:MM
    time                     TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
    -- 0 = Monday … 6 = Sunday, weekly only
    weekday                  INTEGER CHECK (weekday BETWEEN 0 AND 6),
    -- day of month, monthly only (every month has a 28th)
    day                      INTEGER CHECK (day BETWEEN 1 AND 28),
    -- % of GDP; NULL = the server's default target at posting time
    target                   REAL CHECK (target IS NULL OR target BETWEEN 0.5 AND 10),
    content                  TEXT NOT NULL CHECK (content IN ('summary', 'ranking', 'gaps')),
    created_by               INTEGER NOT NULL,
    created_at               TEXT NOT NULL,
    -- the next scheduled run; NULL for on-new-data
    next_run_at              TEXT,
    -- a claimed run not yet recorded as posted, and since when it is claimed
    pending_run_at           TEXT,
    pending_since            TEXT,
    last_run_at              TEXT,
    last_posted_at           TEXT,
    last_message_id          INTEGER,
    -- on-new-data: the dataset version last announced, and the one being announced
    last_notified_version_id INTEGER REFERENCES dataset_versions (id),
    pending_version_id       INTEGER REFERENCES dataset_versions (id),
    state                    TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
    paused_reason            TEXT,
    CHECK ((cadence = 'weekly') = (weekday IS NOT NULL)),
    CHECK ((cadence = 'monthly') = (day IS NOT NULL)),
    CHECK ((cadence = 'on-new-data') = (next_run_at IS NULL)),
    CHECK (cadence = 'on-new-data' OR (last_notified_version_id IS NULL AND pending_version_id IS NULL)),
    CHECK (cadence <> 'on-new-data' OR pending_run_at IS NULL),
    CHECK ((pending_run_at IS NULL AND pending_version_id IS NULL) = (pending_since IS NULL)),
    CHECK ((state = 'paused') = (paused_reason IS NOT NULL AND paused_reason <> ''))
) STRICT;
CREATE INDEX subscriptions_guild ON subscriptions (guild_id);
CREATE INDEX subscriptions_channel ON subscriptions (channel_id);
CREATE INDEX subscriptions_due ON subscriptions (state, next_run_at);
