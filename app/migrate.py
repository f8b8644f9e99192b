"""Apply the numbered migrations under ``migrations/`` to DATABASE_URL.

Run as ``python -m app.migrate`` (the Procfile's release step and ``make``
do); ``--status`` lists what is applied and what is pending.
"""

import argparse
import logging
import os
import sys

from playhouse.migrations import Runner

from app.backends import open_backend
from app.config import database_url

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def migrate(backend):
    """Apply every pending migration; return the names applied."""
    return Runner(backend.database, MIGRATIONS).up()


def pending(backend):
    """Names of the migrations not yet applied to the backend's database."""
    return [row.name for row in Runner(backend.database, MIGRATIONS).status() if not row.applied]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--status", action="store_true", help="list migrations")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    url = database_url(os.environ)
    backend = open_backend(url)
    if args.status:
        for row in Runner(backend.database, MIGRATIONS).status():
            print(f"{'applied' if row.applied else 'pending'}  {row.name}")
        return 0

    applied = migrate(backend)
    print(f"migrations applied: {len(applied)} ({', '.join(applied) or 'none pending'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
