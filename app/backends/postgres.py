"""PostgreSQL, for deployments where several hosts share one database."""

import select
from urllib.parse import urlparse

import psycopg2
from playhouse.db_url import parse as parse_db_url
from playhouse.pool import PooledPostgresqlDatabase

from app.backends.common import INDEXES_SQL

CHANNEL = "csi_registry"
# A watcher re-reads the counters this often even when no notification came,
# so that a notification lost with a dropped connection delays, not loses, a wake-up.
RESYNC_SECONDS = 1.0
# URL parameters that configure the pool rather than the connection.
POOL_OPTIONS = ("max_connections", "stale_timeout", "timeout")


def cooperate_with_gevent():
    """Under gevent, let psycopg2 yield to other greenlets while it waits.

    psycopg2 blocks in C while the server answers, which would stall every
    greenlet of the worker; with a wait callback it polls the connection and
    waits on its socket the gevent way instead.
    """
    try:
        from gevent import monkey
        from gevent.socket import wait_read
        from gevent.socket import wait_write
    except ImportError:
        return
    if not monkey.is_module_patched("socket"):
        return

    def wait(connection, timeout=None):
        while True:
            state = connection.poll()
            if state == psycopg2.extensions.POLL_OK:
                return
            if state == psycopg2.extensions.POLL_READ:
                wait_read(connection.fileno(), timeout=timeout)
            elif state == psycopg2.extensions.POLL_WRITE:
                wait_write(connection.fileno(), timeout=timeout)
            else:
                raise psycopg2.OperationalError(f"unexpected poll state {state}")

    psycopg2.extensions.set_wait_callback(wait)


class PostgresBackend:
    name = "postgres"

    def __init__(self, url):
        parsed = urlparse(url)
        options = parse_db_url(parsed._replace(scheme="postgresql").geturl())
        # A request waits up to `timeout` seconds for a free connection
        # rather than failing at once when all are taken.
        pool = {"max_connections": 32, "stale_timeout": 300, "timeout": 30}
        pool.update({key: options.pop(key) for key in POOL_OPTIONS if key in options})
        self.connect_params = dict(options)
        database = options.pop("database")
        self.database = PooledPostgresqlDatabase(database, **pool, **options)
        cooperate_with_gevent()

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

    def read_indexes(self):
        with self.connection.cursor() as cursor:
            cursor.execute(INDEXES_SQL)
            return dict(cursor.fetchall())

    def close(self):
        self.connection.close()
