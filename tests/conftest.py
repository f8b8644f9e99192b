import json

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


@pytest.fixture
def db_url(tmp_path):
    return migrated_sqlite(tmp_path / "registry.db")


@pytest.fixture
def app(db_url):
    """The app on a fresh, migrated SQLite file, ACL checks off."""
    return create_app({"DATABASE_URL": db_url, "ACL_ENABLED": False, "TESTING": True})


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
