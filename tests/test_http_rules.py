"""The general rules of SPEC §1: methods, sizes, headers, error bodies."""

import json

import pytest

from tests.conftest import register
from tests.conftest import volume


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/v1/volume/csi/vol1"),
        ("PATCH", "/v1/volume/csi/vol1"),
        ("DELETE", "/v1/volumes"),
        ("PATCH", "/v1/volumes"),
        ("POST", "/v1/namespaces"),
        ("OPTIONS", "/v1/volume/csi/vol1"),
        ("OPTIONS", "/v1/volumes"),
    ],
)
def test_other_methods_are_405_invalid_method(client, method, path):
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert response.get_data(as_text=True) == "Invalid method"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("path", ["/v1/volume/csi/a/b/c", "/v1/volume/csi/a/other", "/v1/nothing"])
def test_unknown_paths_are_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "resource not found"


def test_body_over_the_limit_is_413_and_writes_nothing(client):
    big = volume("vol1", Context={"blob": "x" * (1024 * 1024)})

    response = client.put("/v1/volume/csi/vol1", data=json.dumps({"Volumes": [big]}))

    assert response.status_code == 413
    assert "limit is 1048576 bytes" in response.get_data(as_text=True)
    assert client.get("/v1/volume/csi/vol1").status_code == 404


def test_errors_are_json_when_asked(client):
    response = client.get("/v1/volume/csi/nope", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"Error": "volume not found", "StatusCode": 404}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/v1/volumes?type=csi"),
        ("GET", "/v1/volume/csi/nope"),
        ("PUT", "/v1/volumes"),
        ("GET", "/v1/namespaces"),
        ("DELETE", "/v1/volume/csi/nope"),
    ],
)
def test_every_answer_carries_the_three_nomad_headers(client, method, path):
    response = client.open(path, method=method)

    assert int(response.headers["X-Nomad-Index"]) >= 1
    assert response.headers["X-Nomad-KnownLeader"] == "true"
    assert response.headers["X-Nomad-LastContact"] == "0"


def test_fresh_registry_index_is_never_zero(client):
    assert client.get("/v1/volumes?type=csi").headers["X-Nomad-Index"] == "1"


def test_every_write_advances_the_index(client):
    seen = [int(client.get("/v1/volumes?type=csi").headers["X-Nomad-Index"])]
    seen.append(register(client, volume("a")).get_json()["Index"])
    seen.append(
        int(client.put("/v1/namespace/dev", data='{"Name":"dev"}').headers["X-Nomad-Index"])
    )
    seen.append(register(client, volume("a", Capacity=5)).get_json()["Index"])
    seen.append(int(client.delete("/v1/volume/csi/a").headers["X-Nomad-Index"]))

    assert seen == sorted(set(seen)) and len(seen) == 5


@pytest.mark.parametrize("stale", ["", "true", "false"])
def test_stale_and_region_are_accepted(client, stale):
    register(client, volume("vol1"))

    response = client.get(f"/v1/volume/csi/vol1?stale={stale}&region=global")

    assert response.status_code == 200


def test_bad_stale_is_400(client):
    assert client.get("/v1/volumes?type=csi&stale=maybe").status_code == 400


def test_internal_faults_are_500_without_details(app, client, monkeypatch):
    from app.volumes import store

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(store, "find_for_read", broken)
    response = client.get("/v1/volume/csi/vol1")

    assert response.status_code == 500
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_unmigrated_database_is_refused_at_start_with_a_clear_message(tmp_path):
    from app import create_app
    from app.config import ConfigError

    with pytest.raises(ConfigError, match=r"lacks migrations 0001_initial.*python -m app.migrate"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"})


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"Volumes": [{"ID": "v", "PluginID": "p", "Context": {"k": "\\udc00"}}]}', "surrogate"),
        ('{"Volumes": [{"ID": "v", "PluginID": "p", "Name": "a\\u0000b"}]}', "NUL"),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "Topologies": [{"\\ud800": "x"}]}]}',
            "surrogate",
        ),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
)
def test_bodies_that_could_not_be_stored_or_sent_back_are_400(client, body, message):
    response = client.put("/v1/volumes", data=body)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/v1/volumes?type=csi&namespace=*").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/volume/csi/a%00b",
        "/v1/volumes?type=csi&prefix=a%00",
        "/v1/volumes?type=csi&node_id=%00",
    ],
)
def test_nul_in_the_url_is_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_chunked_body_over_the_limit_is_413(server):
    import requests

    def chunks():
        for _ in range(1100):
            yield b" " * 1024

    response = requests.put(server.url + "/v1/volumes", data=chunks(), timeout=30)

    assert response.status_code == 413


def test_chunked_body_under_the_limit_is_read_whole(server):
    import requests

    body = json.dumps({"Volumes": [volume("vol1", Context={"pad": "x" * 500_000})]}).encode()

    def chunks():
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = requests.put(server.url + "/v1/volume/csi/vol1", data=chunks(), timeout=30)

    assert response.status_code == 200, response.text


def test_request_log_shows_known_parameters_and_hides_the_rest(client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="app.requests")
    client.get("/v1/volume/csi/x?namespace=default&X-Nomad-Token=sekrit-value&token=t2")

    (line,) = [r.getMessage() for r in caplog.records if r.name == "app.requests"]
    assert "namespace=default" in line
    assert "X-Nomad-Token=[redacted]" in line and "token=[redacted]" in line
    assert "sekrit" not in line and "t2" not in line
