"""Who may call what (SPEC §4): the call × policy matrix and the bypasses Nomad had."""

import json

import pytest

from app import create_app
from tests.acl_helpers import POLICIES
from tests.acl_helpers import auth
from tests.acl_helpers import bootstrap
from tests.acl_helpers import make_token
from tests.acl_helpers import put_policy
from tests.conftest import dispose
from tests.conftest import volume

WHO = ["none", "unknown", "read", "write", "write-plugin", "deny+read", "glob", "management"]


@pytest.fixture
def acl_app(db_url):
    app = create_app({"DATABASE_URL": db_url, "ACL_ENABLED": True, "TESTING": True})
    yield app
    dispose(app)


@pytest.fixture
def world(acl_app):
    """A bootstrapped registry with one token per row of the matrix."""
    client = acl_app.test_client()
    management = bootstrap(client)
    for name, rules in POLICIES.items():
        put_policy(client, management, name, rules)
    tokens = {
        "none": None,
        "unknown": "00000000-0000-0000-0000-000000000000",
        "read": make_token(client, management, "read"),
        "write": make_token(client, management, "write"),
        "write-plugin": make_token(client, management, "write-plugin"),
        "deny+read": make_token(client, management, "deny", "read"),
        "glob": make_token(client, management, "glob"),
        "management": management,
    }
    client.put("/v1/namespace/dev", data='{"Name": "dev"}', headers=auth(management))
    client.put(
        "/v1/volume/csi/existing",
        data=json.dumps({"Volumes": [volume("existing")]}),
        headers=auth(management),
    )
    return client, tokens


def call(client, name, secret):
    headers = auth(secret)
    if name == "list":
        return client.get("/v1/volumes?type=csi", headers=headers)
    if name == "read":
        return client.get("/v1/volume/csi/existing", headers=headers)
    if name == "register":
        body = json.dumps({"Volumes": [volume("new")]})
        return client.put("/v1/volume/csi/new", data=body, headers=headers)
    if name == "deregister":
        return client.delete("/v1/volume/csi/existing", headers=headers)
    if name == "namespace-read":
        return client.get("/v1/namespace/default", headers=headers)
    if name == "namespace-write":
        return client.put("/v1/namespace/qa", data='{"Name": "qa"}', headers=headers)
    if name == "policy-list":
        return client.get("/v1/acl/policies", headers=headers)
    if name == "token-create":
        body = json.dumps({"Type": "client", "Policies": ["read"]})
        return client.post("/v1/acl/token", data=body, headers=headers)
    raise AssertionError(name)


# Expected status per caller, in the order of WHO.
# fmt: off
MATRIX = {
    "list":            [403, 403, 200, 200, 200, 403, 200, 200],
    "read":            [403, 403, 200, 200, 200, 403, 200, 200],
    "register":        [403, 403, 403, 403, 200, 403, 200, 200],
    "deregister":      [403, 403, 403, 200, 200, 403, 200, 200],
    "namespace-read":  [403, 403, 200, 200, 200, 403, 200, 200],
    "namespace-write": [403, 403, 403, 403, 403, 403, 403, 200],
    "policy-list":     [403, 403, 403, 403, 403, 403, 403, 200],
    "token-create":    [403, 403, 403, 403, 403, 403, 403, 200],
}
# fmt: on


@pytest.mark.parametrize("name", MATRIX)
@pytest.mark.parametrize("who", WHO)
def test_call_policy_matrix(world, name, who):
    client, tokens = world
    expected = MATRIX[name][WHO.index(who)]

    response = call(client, name, tokens[who])

    assert response.status_code == expected, response.data
    if expected == 403:
        message = "ACL token not found" if who == "unknown" else "Permission denied"
        assert response.get_data(as_text=True) == message
        management = auth(tokens["management"])
        assert client.get("/v1/volume/csi/new", headers=management).status_code == 404
        assert client.get("/v1/volume/csi/existing", headers=management).status_code == 200


@pytest.mark.parametrize(
    "who, expected",
    [
        ("none", []),
        ("read", ["default"]),
        ("deny+read", []),
        ("glob", ["default"]),
        ("management", ["default", "dev"]),
    ],
)
def test_namespace_list_shows_only_visible_namespaces(world, who, expected):
    client, tokens = world

    response = client.get("/v1/namespaces", headers=auth(tokens[who]))

    assert response.status_code == 200
    assert [ns["Name"] for ns in response.get_json()] == expected


def test_bearer_header_works_like_x_nomad_token(world):
    client, tokens = world
    headers = {"Authorization": f"Bearer {tokens['read']}"}

    assert client.get("/v1/volume/csi/existing", headers=headers).status_code == 200
    assert client.get("/v1/volume/csi/existing?token=" + tokens["read"]).status_code == 403


def test_anonymous_policy_applies_without_a_token(world):
    client, tokens = world
    assert client.get("/v1/volumes?type=csi").status_code == 403

    put_policy(client, tokens["management"], "anonymous", POLICIES["read"])

    assert client.get("/v1/volumes?type=csi").status_code == 200
    assert client.delete("/v1/volume/csi/existing").status_code == 403


def test_body_namespace_cannot_sidestep_the_check(world):
    """CVE-2024-10975: Nomad checked the query namespace and wrote the body's."""
    client, tokens = world
    dev = make_token(client, tokens["management"], "dev-writer")
    client.put("/v1/namespace/prod", data='{"Name": "prod"}', headers=auth(tokens["management"]))
    sneaky = {"Volumes": [volume("vol1", Namespace="prod")]}

    response = client.put(
        "/v1/volume/csi/vol1?namespace=dev", data=json.dumps(sneaky), headers=auth(dev)
    )

    assert response.status_code == 403
    management = auth(tokens["management"])
    assert client.get("/v1/volume/csi/vol1?namespace=prod", headers=management).status_code == 404
    both = {"Volumes": [volume("a", Namespace="dev"), volume("b", Namespace="prod")]}
    assert client.put("/v1/volumes", data=json.dumps(both), headers=auth(dev)).status_code == 403
    assert client.get("/v1/volume/csi/a?namespace=dev", headers=management).status_code == 404

    top_level = {"Namespace": "prod", "Volumes": [volume("c")]}
    assert (
        client.put("/v1/volumes", data=json.dumps(top_level), headers=auth(dev)).status_code == 403
    )
    assert (
        client.put(
            "/v1/volume/csi/d?namespace=dev",
            data=json.dumps({"Volumes": [volume("d")]}),
            headers=auth(dev),
        ).status_code
        == 200
    )


def test_wildcard_list_returns_only_permitted_namespaces(world):
    client, tokens = world
    management = auth(tokens["management"])
    client.put("/v1/namespace/prod", data='{"Name": "prod"}', headers=management)
    for ns in ("dev", "prod"):
        body = json.dumps({"Volumes": [volume(f"{ns}-vol")]})
        client.put(f"/v1/volume/csi/{ns}-vol?namespace={ns}", data=body, headers=management)
    dev = make_token(client, tokens["management"], "dev-writer")

    response = client.get("/v1/volumes?type=csi&namespace=*", headers=auth(dev))

    assert response.status_code == 200
    assert [(s["Namespace"], s["ID"]) for s in response.get_json()] == [("dev", "dev-vol")]
    everything = client.get("/v1/volumes?type=csi&namespace=*", headers=management).get_json()
    assert {s["Namespace"] for s in everything} == {"default", "dev", "prod"}


def test_wildcard_list_with_no_visible_namespace_is_403(world):
    client, tokens = world
    response = client.get("/v1/volumes?type=csi&namespace=*", headers=auth(tokens["deny+read"]))

    assert response.status_code == 403


def test_acl_disabled_lets_everything_through_and_ignores_tokens(db_url):
    app = create_app({"DATABASE_URL": db_url, "ACL_ENABLED": False})
    client = app.test_client()
    headers = auth("not-a-real-token")

    assert client.get("/v1/volumes?type=csi", headers=headers).status_code == 200
    body = json.dumps({"Volumes": [volume("v")]})
    assert client.put("/v1/volume/csi/v", data=body, headers=headers).status_code == 200
    assert client.post("/v1/acl/bootstrap").status_code == 400


def test_every_api_view_states_what_it_needs(app):
    """A view added without the decorator would skip the ACL entirely."""
    undecorated = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/")
        and not hasattr(app.view_functions[rule.endpoint], "requirement")
    ]

    assert undecorated == []


def test_a_token_that_may_write_nowhere_is_refused_before_its_body_is_read(world):
    client, tokens = world

    for who in ("none", "read"):
        response = client.put("/v1/volumes", data="{not json", headers=auth(tokens[who]))
        assert (response.status_code, response.get_data(as_text=True)) == (403, "Permission denied")
