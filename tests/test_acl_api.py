"""Nomad's ACL endpoints, and what the registry keeps of a token's secret."""

import json
import logging

import pytest
import requests

from app import create_app
from tests.acl_helpers import auth
from tests.acl_helpers import bootstrap
from tests.acl_helpers import put_policy
from tests.conftest import dispose
from tests.conftest import volume
from tests.servers import Gunicorn


@pytest.fixture
def client(db_url):
    app = create_app({"DATABASE_URL": db_url, "ACL_ENABLED": True, "TESTING": True})
    yield app.test_client()
    dispose(app)


def test_bootstrap_works_once(client):
    first = client.post("/v1/acl/bootstrap")
    second = client.post("/v1/acl/bootstrap")

    assert first.status_code == 200
    token = first.get_json()
    assert token["Type"] == "management" and len(token["SecretID"]) == 36
    assert (second.status_code, second.get_data(as_text=True)) == (
        400,
        "ACL bootstrap already done",
    )
    assert client.get("/v1/acl/token/self", headers=auth(token["SecretID"])).status_code == 200


def test_bootstrap_with_a_chosen_secret(client):
    secret = "2b778dd9-f5f1-6f29-b4b4-9a5fa948757a"
    response = client.post("/v1/acl/bootstrap", data=json.dumps({"BootstrapSecret": secret}))

    assert response.get_json()["SecretID"] == secret
    assert client.get("/v1/acl/tokens", headers=auth(secret)).status_code == 200


def test_empty_bootstrap_secret_means_make_one(client):
    response = client.post("/v1/acl/bootstrap", data=json.dumps({"BootstrapSecret": ""}))

    assert response.status_code == 200
    assert len(response.get_json()["SecretID"]) == 36


def test_short_bootstrap_secret_is_refused(client):
    response = client.post("/v1/acl/bootstrap", data=json.dumps({"BootstrapSecret": "abc"}))

    assert response.status_code == 400
    assert "BootstrapSecret" in response.get_data(as_text=True)
    assert client.post("/v1/acl/bootstrap").status_code == 200


@pytest.mark.parametrize(
    "rules, message",
    [
        ('namespace "default" { policy = "bogus" }', "bogus"),
        ('namespace "default" { capabilities = ["csi-fly-volume"] }', "csi-fly-volume"),
        ('namespace "default" { policy = "list" }', "list"),
        ('plugin { policy = "admin" }', "admin"),
        ("nonsense {{{", "Failed to parse ACL policy"),
        ("", "Invalid policy"),
    ],
)
def test_bad_policy_rules_are_400_naming_the_problem(client, rules, message):
    management = bootstrap(client)
    body = json.dumps({"Name": "p", "Rules": rules})

    response = client.put("/v1/acl/policy/p", data=body, headers=auth(management))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/v1/acl/policy/p", headers=auth(management)).status_code == 404


def test_policy_crud(client):
    management = bootstrap(client)
    headers = auth(management)
    rules = 'namespace "default" { policy = "read" }'
    json_rules = json.dumps({"namespace": {"default": {"policy": "write"}}})

    put_policy(client, management, "readers", rules)
    assert client.get("/v1/acl/policy/readers", headers=headers).get_json()["Rules"] == rules
    put_policy(client, management, "readers", json_rules)
    assert client.get("/v1/acl/policy/readers", headers=headers).get_json()["Rules"] == json_rules
    assert [p["Name"] for p in client.get("/v1/acl/policies", headers=headers).get_json()] == [
        "readers"
    ]
    assert client.delete("/v1/acl/policy/readers", headers=headers).status_code == 200
    assert client.get("/v1/acl/policy/readers", headers=headers).status_code == 404


def test_policy_name_in_body_must_match_the_path(client):
    management = bootstrap(client)
    body = json.dumps({"Name": "other", "Rules": 'namespace "default" { policy = "read" }'})

    response = client.put("/v1/acl/policy/p", data=body, headers=auth(management))

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body, message",
    [
        ({"Type": "client"}, "client token missing policies"),
        ({"Type": "management", "Policies": ["readers"]}, "cannot be associated with policies"),
        ({"Type": "root"}, "invalid token type"),
        ({"Type": "client", "Policies": ["nope"]}, "cannot find policy nope"),
    ],
)
def test_bad_token_requests(client, body, message):
    management = bootstrap(client)
    put_policy(client, management, "readers", 'namespace "default" { policy = "read" }')

    response = client.post("/v1/acl/token", data=json.dumps(body), headers=auth(management))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_token_secret_is_shown_only_when_made(client):
    management = bootstrap(client)
    put_policy(client, management, "readers", 'namespace "default" { policy = "read" }')
    made = client.post(
        "/v1/acl/token", data=json.dumps({"Policies": ["readers"]}), headers=auth(management)
    ).get_json()
    secret, accessor = made["SecretID"], made["AccessorID"]

    answers = [
        client.get(f"/v1/acl/token/{accessor}", headers=auth(management)),
        client.get("/v1/acl/tokens", headers=auth(management)),
        client.get("/v1/acl/token/self", headers=auth(secret)),
        client.post(
            f"/v1/acl/token/{accessor}",
            data=json.dumps({"Name": "renamed"}),
            headers=auth(management),
        ),
    ]

    for answer in answers:
        assert answer.status_code == 200
        assert secret not in answer.get_data(as_text=True)
        assert "SecretID" not in answer.get_data(as_text=True)
    assert answers[2].get_json()["AccessorID"] == accessor


def test_deleted_token_stops_working_at_once(client):
    management = bootstrap(client)
    put_policy(client, management, "readers", 'namespace "default" { policy = "read" }')
    made = client.post(
        "/v1/acl/token", data=json.dumps({"Policies": ["readers"]}), headers=auth(management)
    ).get_json()
    assert client.get("/v1/volumes?type=csi", headers=auth(made["SecretID"])).status_code == 200

    client.delete(f"/v1/acl/token/{made['AccessorID']}", headers=auth(management))

    response = client.get("/v1/volumes?type=csi", headers=auth(made["SecretID"]))
    assert (response.status_code, response.get_data(as_text=True)) == (403, "ACL token not found")


def test_secret_is_in_neither_the_database_nor_the_logs(tmp_path, caplog):
    from tests.conftest import migrated_sqlite

    path = tmp_path / "registry.db"
    url = migrated_sqlite(path)
    log = tmp_path / "gunicorn.log"
    caplog.set_level(logging.DEBUG)
    with Gunicorn(url, workers=2, acl=True, log_path=log) as server:
        boot = requests.post(server.url + "/v1/acl/bootstrap", timeout=10).json()["SecretID"]
        headers = {"X-Nomad-Token": boot}
        requests.put(
            server.url + "/v1/acl/policy/readers",
            headers=headers,
            timeout=10,
            data=json.dumps({"Rules": 'namespace "default" { policy = "read" }'}),
        )
        made = requests.post(
            server.url + "/v1/acl/token",
            headers=headers,
            timeout=10,
            data=json.dumps({"Policies": ["readers"]}),
        ).json()["SecretID"]
        for secret in (boot, made):
            requests.get(
                server.url + "/v1/volumes?type=csi",
                timeout=10,
                headers={"Authorization": f"Bearer {secret}"},
            )
            requests.get(
                server.url + "/v1/volume/csi/missing", headers={"X-Nomad-Token": secret}, timeout=10
            )
        requests.get(
            server.url + "/v1/volumes?type=csi",
            timeout=10,
            headers={"X-Nomad-Token": "wrong-" + made},
        )

    stored = b"".join(p.read_bytes() for p in tmp_path.glob("registry.db*"))
    logged = log.read_text() + caplog.text
    assert "GET /v1/volume/csi/missing" in logged  # the access log was written
    for secret in (boot, made):
        assert secret.encode() not in stored
        assert secret not in logged


def test_policy_change_in_one_worker_is_enforced_by_the_others_at_once(db_url, tmp_path):
    with Gunicorn(db_url, workers=3, acl=True, log_path=tmp_path / "g.log") as server:
        base = server.url
        boot = requests.post(base + "/v1/acl/bootstrap", timeout=10).json()["SecretID"]
        manage = {"X-Nomad-Token": boot, "Connection": "close"}

        def set_policy(rules):
            response = requests.put(
                base + "/v1/acl/policy/p",
                headers=manage,
                timeout=10,
                data=json.dumps({"Rules": rules}),
            )
            assert response.status_code == 200

        set_policy('namespace "default" { policy = "read" }')
        token = requests.post(
            base + "/v1/acl/token", headers=manage, timeout=10, data=json.dumps({"Policies": ["p"]})
        ).json()["SecretID"]
        user = {"X-Nomad-Token": token, "Connection": "close"}
        body = json.dumps({"Volumes": [volume("vol1")]})

        for rules, expected in [
            ('namespace "default" { policy = "write" }\nplugin { policy = "read" }', 200),
            ('namespace "default" { policy = "read" }', 403),
            ('namespace "default" { policy = "write" }\nplugin { policy = "read" }', 200),
        ]:
            # Warm every worker's cache with the old policy first.
            for _ in range(6):
                requests.get(base + "/v1/volumes?type=csi", headers=user, timeout=10)
            set_policy(rules)
            for _ in range(6):
                response = requests.put(
                    base + "/v1/volume/csi/vol1", data=body, headers=user, timeout=10
                )
                assert response.status_code == expected


def test_the_last_management_token_cannot_be_deleted(client):
    management = bootstrap(client)
    made = client.post(
        "/v1/acl/token", data=json.dumps({"Type": "management"}), headers=auth(management)
    )
    second = made.get_json()
    accessors = {
        t["AccessorID"] for t in client.get("/v1/acl/tokens", headers=auth(management)).get_json()
    }
    first = (accessors - {second["AccessorID"]}).pop()

    assert (
        client.delete(f"/v1/acl/token/{first}", headers=auth(second["SecretID"])).status_code == 200
    )
    refused = client.delete(
        f"/v1/acl/token/{second['AccessorID']}", headers=auth(second["SecretID"])
    )

    assert (refused.status_code, refused.get_data(as_text=True)) == (
        409,
        "cannot delete the last management token",
    )
    assert client.get("/v1/acl/tokens", headers=auth(second["SecretID"])).status_code == 200
