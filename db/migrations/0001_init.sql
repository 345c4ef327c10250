-- Initial schema. Run statement by statement in one transaction by Connection.migrate
-- (db/connection.py), which sets PRAGMA user_version = 1 in the same transaction.
-- Dataset versions are immutable once written: a reload adds a version, a rollback switches the
-- active flag, so every version stays available for diff and rollback.

-- Allies ever loaded (latest name wins); the stable target of aliases and per-guild features.
CREATE TABLE countries (
    iso3             TEXT PRIMARY KEY CHECK (iso3 GLOB '[A-Z][A-Z][A-Z]'),
    name             TEXT NOT NULL CHECK (name <> ''),
    has_armed_forces INTEGER NOT NULL CHECK (has_armed_forces IN (0, 1))
) STRICT;

-- What a person may type for an ally: names, ISO codes, aliases. `alias` is normalised with
-- bot.countries.normalise, so lookups are one equality; `raw` keeps the form as written.
CREATE TABLE country_aliases (
    alias TEXT PRIMARY KEY CHECK (alias <> ''),
    iso3  TEXT NOT NULL REFERENCES countries (iso3),
    raw   TEXT NOT NULL
) STRICT;
CREATE INDEX country_aliases_iso3 ON country_aliases (iso3);

CREATE TABLE dataset_versions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256              TEXT NOT NULL CHECK (length(sha256) = 64),
    -- "bundled", a file path, an attachment name or a URL
    source              TEXT NOT NULL,
    loaded_at           TEXT NOT NULL,
    loaded_by           TEXT NOT NULL,
    active              INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    record_count        INTEGER NOT NULL CHECK (record_count >= 0),
    -- the version that was active when this one was loaded: what a rollback returns to
    previous_version_id INTEGER REFERENCES dataset_versions (id)
) STRICT;
-- At most one active version, enforced by the database itself.
CREATE UNIQUE INDEX dataset_versions_one_active ON dataset_versions (active) WHERE active = 1;

-- The allies as one version listed them (members.csv).
CREATE TABLE memberships (
    version_id       INTEGER NOT NULL REFERENCES dataset_versions (id),
    iso3             TEXT NOT NULL REFERENCES countries (iso3),
    name             TEXT NOT NULL CHECK (name <> ''),
    joined           TEXT NOT NULL CHECK (joined GLOB '[0-9][0-9][0-9][0-9]*'),
    accession_year   INTEGER NOT NULL CHECK (accession_year = CAST(substr(joined, 1, 4) AS INTEGER)),
    has_armed_forces INTEGER NOT NULL CHECK (has_armed_forces IN (0, 1)),
    PRIMARY KEY (version_id, iso3)
) STRICT;

CREATE TABLE releases (
    version_id INTEGER NOT NULL REFERENCES dataset_versions (id),
    release_id TEXT NOT NULL CHECK (release_id GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    title      TEXT NOT NULL CHECK (title <> ''),
    published  TEXT NOT NULL,
    basis      TEXT NOT NULL CHECK (basis IN ('total', 'core')),
    price_base INTEGER,
    coverage   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, release_id)
) STRICT;

-- One ally (or NATO aggregate) and year, as one release published it; NULL = not published.
CREATE TABLE figures (
    version_id                INTEGER NOT NULL,
    release_id                TEXT NOT NULL,
    iso3                      TEXT NOT NULL,
    year                      INTEGER NOT NULL CHECK (year >= 1949),
    estimate                  INTEGER NOT NULL CHECK (estimate IN (0, 1)),
    pct_gdp                   REAL CHECK (pct_gdp BETWEEN 0 AND 20),
    spend_usd_m               REAL CHECK (spend_usd_m >= 0),
    gdp_usd_bn                REAL CHECK (gdp_usd_bn >= 0),
    equipment_pct             REAL CHECK (equipment_pct BETWEEN 0 AND 100),
    personnel_k               REAL CHECK (personnel_k >= 0),
    spend_per_capita_usd_2015 REAL CHECK (spend_per_capita_usd_2015 >= 0),
    real_change_pct           REAL,
    -- NULL for NATO's aggregates, which are not allies; otherwise must be a member of the version.
    ally_iso3 TEXT GENERATED ALWAYS AS (
        CASE WHEN iso3 IN ('NATO_TOTAL', 'NATO_EUR_CAN') THEN NULL ELSE iso3 END
    ) VIRTUAL,
    PRIMARY KEY (version_id, release_id, iso3, year),
    FOREIGN KEY (version_id, release_id) REFERENCES releases (version_id, release_id),
    FOREIGN KEY (version_id, ally_iso3) REFERENCES memberships (version_id, iso3)
) STRICT;

-- Per-server settings; later per-server features (e.g. channel subscriptions for scheduled
-- posts) get their own tables keyed by guild_id in a later migration.
CREATE TABLE guild_settings (
    guild_id       INTEGER PRIMARY KEY,
    default_target REAL CHECK (default_target IS NULL OR default_target BETWEEN 0.5 AND 10),
    updated_at     TEXT NOT NULL,
    updated_by     INTEGER NOT NULL
) STRICT;

-- Small bits of state: the command-tree hash, etc.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
) STRICT;
