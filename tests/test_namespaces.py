"""Namespace endpoints (SPEC §4)."""

import json

import pytest

from tests.conftest import register
from tests.conftest import volume


def test_default_always_exists(client):
    names = [ns["Name"] for ns in client.get("/v1/namespaces").get_json()]
    assert names == ["default"]
    assert client.get("/v1/namespace/default").get_json()["Name"] == "default"


@pytest.mark.parametrize("path", ["/v1/namespace/dev", "/v1/namespace"])
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_create_update_and_read(client, path, method):
    created = client.open(
        path, method=method, data=json.dumps({"Name": "dev", "Description": "d1"})
    )
    assert created.status_code == 200
    client.open(path, method=method, data=json.dumps({"Name": "dev", "Description": "d2"}))

    got = client.get("/v1/namespace/dev").get_json()

    assert got["Description"] == "d2"
    assert got["ModifyIndex"] > got["CreateIndex"] == int(created.headers["X-Nomad-Index"])


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/v1/namespace/dev", {"Name": "prod"}, "does not match"),
        ("/v1/namespace", {"Description": "x"}, "missing namespace name"),
        ("/v1/namespace/bad_name", {}, "invalid namespace name"),
        ("/v1/namespace", {"Name": "a b"}, "invalid namespace name"),
        ("/v1/namespace/dev", {"Description": 5}, "Description: Not a valid string"),
    ],
)
def test_bad_namespace_writes(client, path, body, message):
    response = client.put(path, data=json.dumps(body))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_missing_namespace_is_404(client):
    assert client.get("/v1/namespace/nope").status_code == 404
    assert client.delete("/v1/namespace/nope").status_code == 404


def test_default_cannot_be_deleted(client):
    response = client.delete("/v1/namespace/default")

    assert response.status_code == 400
    assert client.get("/v1/namespace/default").status_code == 200


def test_namespace_with_volumes_cannot_be_deleted(client):
    client.put("/v1/namespace/dev", data='{"Name": "dev"}')
    register(client, volume("vol1"), query="?namespace=dev")

    response = client.delete("/v1/namespace/dev")

    assert response.status_code == 409
    assert "vol1" in response.get_data(as_text=True)
    client.delete("/v1/volume/csi/vol1?namespace=dev")
    assert client.delete("/v1/namespace/dev").status_code == 200
    assert client.get("/v1/namespace/dev").status_code == 404
