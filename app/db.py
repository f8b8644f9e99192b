"""The database handle, bound late so that each app (and each test) picks its own."""

import time
from contextlib import contextmanager

from flask import current_app
from peewee import DatabaseProxy

from app.backends import open_backend
from app.config import ConfigError

database = DatabaseProxy()


def init_app(app):
    """Open the backend named by ``DATABASE_URL`` and manage connections."""
    backend = open_backend(app.config["DATABASE_URL"])
    database.initialize(backend.database)
    app.extensions["backend"] = backend
    _refuse_unmigrated(backend)

    @app.teardown_request
    def _release_connection(exc):
        release_connection()

    return backend


def release_connection():
    """Give this request's connection back to the pool, if it holds one."""
    if not database.is_closed() and not database.in_transaction():
        database.close()


def _refuse_unmigrated(backend):
    # Serving from a database that lacks tables would answer every request
    # with a 500; one clear message at start-up is better.
    from app.migrate import pending

    try:
        missing = pending(backend)
    finally:
        backend.database.close()
    if missing:
        raise ConfigError(
            f"the database at DATABASE_URL lacks migrations {', '.join(missing)}: "
            "run `python -m app.migrate` (the Procfile's release step) first"
        )


def backend():
    return current_app.extensions["backend"]


@contextmanager
def write_transaction():
    """A transaction that holds the registry's write lock from its start.

    Every write goes through here, so that the checks it makes and the
    changes it writes happen with no other writer in between, in this
    process or any other sharing the database.
    """
    with database.atomic():
        backend().lock_for_write()
        yield


def now_ns():
    return time.time_ns()
