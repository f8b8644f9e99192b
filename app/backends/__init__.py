"""Database backends: the one place that knows which engine DATABASE_URL names.

Everything outside this package speaks portable peewee. A backend adds what
the engines do differently: how a connection is opened, how a write
transaction takes its lock, and whether a connection goes back to a pool
after each request.
"""

from urllib.parse import urlparse

from app.backends.postgres import PostgresBackend
from app.backends.sqlite import SqliteBackend
from app.config import ConfigError


def open_backend(url):
    """Return the backend for a peewee-style database URL.

    ``sqlite:///relative.db``, ``sqlite:////absolute.db``, ``postgres://``
    and ``postgresql://`` are understood; Heroku-style hosts hand out the
    ``postgres://`` spelling, so both must work.
    """
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return SqliteBackend(url)
    if scheme in ("postgres", "postgresql"):
        return PostgresBackend(url)
    raise ConfigError(
        f"DATABASE_URL scheme {scheme!r} is not supported "
        "(use sqlite:///path or postgresql://user@host/db)"
    )
