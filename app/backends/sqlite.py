"""SQLite, the embedded default.

This module is the one place in the project with SQLite-only SQL: the
pragmas, the lock mode of write transactions and ``PRAGMA data_version``.
"""

import os
import time
from urllib.parse import urlparse

from peewee import SqliteDatabase

from app.backends.common import read_indexes

PRAGMAS = {
    # Readers never wait for the writer, and the writer never waits for them.
    "journal_mode": "wal",
    "foreign_keys": 1,
    # Every acknowledged commit is on disk before the answer leaves.
    "synchronous": "full",
    # Writers in other processes queue for the lock instead of failing with
    # "database is locked".
    "busy_timeout": 30000,
}


def sqlite_path(url):
    """The file behind ``sqlite:///rel.db`` or ``sqlite:////abs.db``."""
    path = urlparse(url).path
    if path.startswith("/"):
        path = path[1:]
    return path or ":memory:"


class SqliteBackend:
    name = "sqlite"
    # A connection per thread is kept for the thread's life: opening one and
    # setting its pragmas costs more than most reads.
    close_after_request = False

    def __init__(self, url):
        path = sqlite_path(url)
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        # BEGIN IMMEDIATE takes the write lock at the start of a transaction.
        # A deferred BEGIN would take it at the first write, and two
        # transactions that both read first then deadlock on the upgrade,
        # which SQLite answers with SQLITE_BUSY whatever the busy timeout.
        self.database = SqliteDatabase(
            path, pragmas=PRAGMAS, lock_type="IMMEDIATE", check_same_thread=False
        )

    def lock_for_write(self):
        """Nothing to do: BEGIN IMMEDIATE already holds the database lock."""

    def read_indexes(self):
        return read_indexes(self.database)

    def change_source(self):
        return DataVersionSource(self.database)


class DataVersionSource:
    """Tells the watcher thread when another connection has committed.

    ``PRAGMA data_version`` changes on this connection whenever any other
    connection, in this process or another, commits; reading it costs no I/O.
    """

    def __init__(self, database):
        self.database = database
        self.version = self._read()

    def _read(self):
        return self.database.execute_sql("PRAGMA data_version").fetchone()[0]

    def wait(self, interval):
        time.sleep(interval)
        version = self._read()
        changed, self.version = version != self.version, version
        return changed
