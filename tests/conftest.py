import json
import os

import psycopg2
import pytest

from app import create_app
from app.backends import open_backend
from app.migrate import migrate
from tests.servers import Gunicorn


def migrated_sqlite(path):
    url = f"sqlite:///{path}"
    backend = open_backend(url)
    migrate(backend)
    backend.database.close()
    return url


# The server this machine and CI start before a session; tests of the
# PostgreSQL path skip when it is not there.
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own on the local PostgreSQL server."""
    try:
        admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {POSTGRES_ADMIN_URL}: {error}")
    admin.autocommit = True
    name = f"registry_test_{os.getpid()}"
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def migrated_postgres(url):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.close()
    backend = open_backend(url)
    migrate(backend)
    backend.database.close_all()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, migrated database: an SQLite file, then the same on PostgreSQL."""
    if request.param == "sqlite":
        return migrated_sqlite(tmp_path / "registry.db")
    return migrated_postgres(request.getfixturevalue("postgres_url"))


@pytest.fixture
def app(db_url):
    """The app on a fresh, migrated database, ACL checks off."""
    app = create_app({"DATABASE_URL": db_url, "ACL_ENABLED": False, "TESTING": True})
    yield app
    dispose(app)


def dispose(app):
    """Stop the app's watcher and close its connections."""
    watcher = app.extensions.get("watcher")
    if watcher is not None:
        watcher[1].stop()
    app.extensions["backend"].database.close_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def server(db_url, tmp_path):
    """The real service under gunicorn, two workers, on the test's database."""
    with Gunicorn(db_url, workers=2, log_path=tmp_path / "gunicorn.log") as running:
        yield running


def volume(id="vol1", plugin="plugin-a", **fields):
    """A volume as Nomad's 1.x clients send it."""
    body = {
        "ID": id,
        "Name": id,
        "PluginID": plugin,
        "RequestedCapabilities": [
            {"AccessMode": "single-node-writer", "AttachmentMode": "file-system"}
        ],
    }
    body.update(fields)
    return body


def register(client, *volumes, path_id=None, query="", **kw):
    path = f"/v1/volume/csi/{path_id or volumes[0]['ID']}"
    return client.put(path + query, data=json.dumps({"Volumes": list(volumes)}), **kw)
