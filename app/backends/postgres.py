"""PostgreSQL, for deployments where several hosts share one database."""

from urllib.parse import urlparse

from playhouse.db_url import parse as parse_db_url
from playhouse.pool import PooledPostgresqlDatabase


class PostgresBackend:
    name = "postgres"
    # Connections come from a pool and go back to it after each request, so
    # that many threads share a bounded number of server connections.
    close_after_request = True

    def __init__(self, url):
        parsed = urlparse(url)
        options = parse_db_url(parsed._replace(scheme="postgresql").geturl())
        database = options.pop("database")
        options.setdefault("max_connections", 32)
        options.setdefault("stale_timeout", 300)
        self.database = PooledPostgresqlDatabase(database, **options)

    def lock_for_write(self):
        """Serialize writers on the registry's index row.

        Every write transaction locks the same row first, so the checks a
        write makes (does the volume exist, is it claimed) cannot be raced by
        another writer on any host.
        """
        self.database.execute_sql(
            "SELECT value FROM index_row WHERE name = %s FOR UPDATE", ("registry",)
        )
