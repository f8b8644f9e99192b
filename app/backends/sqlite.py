"""SQLite, the embedded default.

This module is the one place in the project with SQLite-only SQL: the
pragmas, the lock mode of write transactions and ``PRAGMA data_version``.
"""

import os
import sqlite3
import time
from urllib.parse import urlparse

from playhouse.pool import PooledSqliteDatabase

from app.backends.common import INDEXES_SQL

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

    def __init__(self, url):
        path = sqlite_path(url)
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        # BEGIN IMMEDIATE takes the write lock at the start of a transaction.
        # A deferred BEGIN would take it at the first write, and two
        # transactions that both read first then deadlock on the upgrade,
        # which SQLite answers with SQLITE_BUSY whatever the busy timeout.
        self.database = PooledSqliteDatabase(
            path,
            pragmas=PRAGMAS,
            lock_type="IMMEDIATE",
            check_same_thread=False,
            max_connections=None,
            stale_timeout=300,
        )

    def lock_for_write(self):
        """Nothing to do: BEGIN IMMEDIATE already holds the database lock."""

    def change_source(self):
        return DataVersionSource(self.path)


class DataVersionSource:
    """Tells the watcher thread when another connection has committed.

    ``PRAGMA data_version`` changes on this connection whenever any other
    connection, in this process or another, commits; reading it costs no I/O.
    The source has a connection of its own, outside the request pool.
    """

    def __init__(self, path):
        self.connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.version = self._read()

    def _read(self):
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def wait(self, interval):
        time.sleep(interval)
        version = self._read()
        changed, self.version = version != self.version, version
        return changed

    def read_indexes(self):
        return dict(self.connection.execute(INDEXES_SQL).fetchall())

    def close(self):
        self.connection.close()
