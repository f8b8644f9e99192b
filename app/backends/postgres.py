"""PostgreSQL, for deployments where several hosts share one database."""

import select
from urllib.parse import urlparse

import psycopg2
from playhouse.db_url import parse as parse_db_url
from playhouse.pool import PooledPostgresqlDatabase

from app.backends.common import read_indexes

CHANNEL = "csi_registry"
# A watcher re-reads the counters this often even when no notification came,
# so that a notification lost with a dropped connection delays, not loses, a wake-up.
RESYNC_SECONDS = 1.0


class PostgresBackend:
    name = "postgres"
    # Connections come from a pool and go back to it after each request, so
    # that many threads share a bounded number of server connections.
    close_after_request = True

    def __init__(self, url):
        parsed = urlparse(url)
        options = parse_db_url(parsed._replace(scheme="postgresql").geturl())
        self.connect_params = dict(options)
        database = options.pop("database")
        options.setdefault("max_connections", 32)
        options.setdefault("stale_timeout", 300)
        self.database = PooledPostgresqlDatabase(database, **options)

    def lock_for_write(self):
        """Serialize writers on the registry's index row, and announce the write.

        Every write transaction locks the same row first, so the checks a
        write makes (does the volume exist, is it claimed) cannot be raced by
        another writer on any host. The NOTIFY is delivered at commit, and
        only if the transaction commits.
        """
        self.database.execute_sql(
            "SELECT value FROM index_row WHERE name = %s FOR UPDATE", ("registry",)
        )
        self.database.execute_sql(f"NOTIFY {CHANNEL}")

    def read_indexes(self):
        return read_indexes(self.database)

    def change_source(self):
        return NotifySource(self.connect_params)


class NotifySource:
    """LISTENs on its own connection; wakes the watcher when a write commits."""

    def __init__(self, params):
        self.connection = psycopg2.connect(**params)
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")

    def wait(self, interval):
        ready, _, _ = select.select([self.connection], [], [], RESYNC_SECONDS)
        if not ready:
            return True
        self.connection.poll()
        self.connection.notifies.clear()
        return True
