"""Deregister (SPEC §2.4)."""

import pytest

from tests.conftest import register
from tests.conftest import volume


def test_deregister_is_exact_and_leaves_neighbours(client):
    for vid in ("data", "data-2", "dat"):
        register(client, volume(vid))

    response = client.delete("/v1/volume/csi/data")

    assert response.status_code == 200
    assert response.data == b"" and "Content-Type" not in response.headers
    assert int(response.headers["X-Nomad-Index"]) > 0
    remaining = [s["ID"] for s in client.get("/v1/volumes?type=csi").get_json()]
    assert remaining == ["dat", "data-2"]


def test_deregister_missing_is_404_naming_it(client):
    register(client, volume("testing"))

    response = client.delete("/v1/volume/csi/test")

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "volume not found: test"
    assert client.get("/v1/volume/csi/testing").status_code == 200


def test_deregister_advances_the_list_index(client):
    register(client, volume("vol1"))
    before = int(client.get("/v1/volumes?type=csi").headers["X-Nomad-Index"])

    index = int(client.delete("/v1/volume/csi/vol1").headers["X-Nomad-Index"])

    assert index > before
    assert int(client.get("/v1/volumes?type=csi").headers["X-Nomad-Index"]) == index


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "t", "f", "True", "FALSE", ""])
def test_force_accepts_go_booleans(client, value):
    register(client, volume("vol1"))

    assert client.delete(f"/v1/volume/csi/vol1?force={value}").status_code == 200


@pytest.mark.parametrize("value", ["yes", "2", "tru", "on"])
def test_bad_force_is_400(client, value):
    register(client, volume("vol1"))

    response = client.delete(f"/v1/volume/csi/vol1?force={value}")

    assert response.status_code == 400
    assert response.get_data(as_text=True) == "invalid force value"
    assert client.get("/v1/volume/csi/vol1").status_code == 200


def test_deregister_in_another_namespace_does_not_touch_default(client):
    client.put("/v1/namespace/dev", data='{"Name": "dev"}')
    register(client, volume("vol1"))

    assert client.delete("/v1/volume/csi/vol1?namespace=dev").status_code == 404
    assert client.get("/v1/volume/csi/vol1").status_code == 200
