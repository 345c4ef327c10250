"""The Store's own errors. Nothing outside ``db/`` sees an engine (``sqlite3``) error.

Every message is one line meant for the person who runs the bot, and names the database's path
where the fault is the file's.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the Store's own errors."""


class NothingToChange(StoreError):
    """The requested activation or rollback would leave the active dataset as it is."""


class StaleVersion(StoreError):
    """The active version is no longer the one a prepared change was computed against."""


class NoActiveDataset(StoreError):
    """The database holds no active dataset version (opened with seed=False, or read-only)."""


class UnknownVersion(StoreError, LookupError):
    """No dataset version with that id (or no earlier version to roll back to)."""


class MigrationError(StoreError):
    """The database's schema cannot be brought to the version this code expects."""


class DatabaseUnusable(StoreError):
    """The file cannot serve as the database: not SQLite, damaged, read-only, a folder, …"""


class DatabaseMissing(DatabaseUnusable, FileNotFoundError):
    """A read-only open of a database that does not exist (nothing is created)."""


class ReadOnlyDatabase(DatabaseUnusable):
    """The database (or its folder) cannot be written, or was opened read-only on purpose."""


class DatabaseBusy(StoreError):
    """Another process held the database's write lock for longer than the Store waits."""


class DataRejected(StoreError):
    """The database's own constraints refused what was written; nothing was changed."""
