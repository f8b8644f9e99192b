"""Plugin records and the volume fields they feed (SPEC §3)."""

import json

import pytest

from app import create_app
from tests.acl_helpers import auth
from tests.acl_helpers import bootstrap
from tests.acl_helpers import make_token
from tests.acl_helpers import put_policy
from tests.conftest import dispose
from tests.conftest import register
from tests.conftest import volume

HEALTHY = {
    "Provider": "ebs.csi.aws.com",
    "Version": "1.2.0",
    "ControllerRequired": False,
    "ControllersHealthy": 0,
    "ControllersExpected": 0,
    "NodesHealthy": 3,
    "NodesExpected": 3,
}


def put_plugin(client, pid, headers=None, **fields):
    body = {**HEALTHY, **fields}
    return client.put(f"/v1/plugin/csi/{pid}", data=json.dumps(body), headers=headers or {})


def both_views(client, vid):
    (stub,) = [s for s in client.get("/v1/volumes?type=csi").get_json() if s["ID"] == vid]
    return stub, client.get(f"/v1/volume/csi/{vid}").get_json()


def test_volume_without_a_plugin_record_is_not_schedulable(client):
    register(client, volume("vol1", plugin="ebs"))

    for view in both_views(client, "vol1"):
        assert (view["Schedulable"], view["Provider"], view["NodesHealthy"]) == (False, "", 0)


def test_healthy_plugin_makes_its_volumes_schedulable_in_list_and_read(client):
    register(client, volume("vol1", plugin="ebs"))
    register(client, volume("vol2", plugin="other"))

    assert put_plugin(client, "ebs").status_code == 200

    stub, read = both_views(client, "vol1")
    for view in (stub, read):
        assert view["Schedulable"] is True
        assert (view["Provider"], view["NodesHealthy"], view["NodesExpected"]) == (
            "ebs.csi.aws.com",
            3,
            3,
        )
    assert read["ProviderVersion"] == "1.2.0"
    assert both_views(client, "vol2")[0]["Schedulable"] is False


@pytest.mark.parametrize(
    "fields, schedulable",
    [
        ({"ControllerRequired": True, "ControllersHealthy": 0}, False),
        ({"ControllerRequired": True, "ControllersHealthy": 1}, True),
        ({"ControllerRequired": False, "ControllersHealthy": 0}, True),
        ({"NodesHealthy": 0}, False),
        ({"ControllerRequired": True, "ControllersHealthy": 2, "NodesHealthy": 0}, False),
    ],
)
def test_schedulable_needs_nodes_and_a_controller_when_required(client, fields, schedulable):
    register(client, volume("vol1", plugin="ebs"))
    put_plugin(client, "ebs", **fields)

    for view in both_views(client, "vol1"):
        assert view["Schedulable"] is schedulable


def test_plugin_list_read_and_delete(client):
    register(client, volume("vol1", plugin="ebs"))
    put_plugin(client, "ebs")
    put_plugin(client, "nfs", Provider="nfs.csi.k8s.io")

    stubs = client.get("/v1/plugins?type=csi").get_json()
    assert [p["ID"] for p in stubs] == ["ebs", "nfs"]
    one = client.get("/v1/plugin/csi/ebs").get_json()
    assert (one["Version"], [v["ID"] for v in one["Volumes"]]) == ("1.2.0", ["vol1"])

    assert client.delete("/v1/plugin/csi/ebs").status_code == 200
    assert client.get("/v1/plugin/csi/ebs").status_code == 404
    assert both_views(client, "vol1")[1]["Schedulable"] is False


def test_unchanged_plugin_report_keeps_the_index(client):
    first = int(put_plugin(client, "ebs").headers["X-Nomad-Index"])

    assert int(put_plugin(client, "ebs").headers["X-Nomad-Index"]) == first
    assert int(put_plugin(client, "ebs", NodesHealthy=1).headers["X-Nomad-Index"]) > first


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("/v1/plugin/csi/ebs", {"NodesHealthy": -1}, "NodesHealthy"),
        ("/v1/plugin/csi/ebs", {"NodesHealthy": "3"}, "NodesHealthy: Not a valid integer"),
        ("/v1/plugin/csi/e%20bs", {}, "invalid plugin id"),
        ("/v1/plugin/csi/ebs%0A", {}, "invalid plugin id"),
        ("/v1/plugin/csi/ebs", {"ControllerRequired": "yes"}, "ControllerRequired"),
        ("/v1/plugin/csi/ebs", {"ControllerRequired": 1}, "ControllerRequired"),
        ("/v1/plugin/csi/ebs", {"NodesHealthy": 2**31}, "NodesHealthy"),
    ],
)
def test_bad_plugin_reports_are_400(client, path, body, message):
    response = client.put(path, data=json.dumps(body))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_plugin_list_needs_type_csi(client):
    assert client.get("/v1/plugins").status_code == 400


@pytest.fixture
def acl_client(db_url):
    app = create_app({"DATABASE_URL": db_url, "ACL_ENABLED": True, "TESTING": True})
    yield app.test_client()
    dispose(app)


@pytest.mark.parametrize(
    "level, expected",
    [
        ("list", (200, 403, 403)),
        ("read", (200, 200, 403)),
        ("write", (200, 200, 200)),
        ("deny", (403, 403, 403)),
    ],
)
def test_plugin_calls_need_their_plugin_rule(acl_client, level, expected):
    management = bootstrap(acl_client)
    put_plugin(acl_client, "ebs", headers=auth(management))
    put_policy(acl_client, management, "p", f'plugin {{ policy = "{level}" }}')
    token = auth(make_token(acl_client, management, "p"))

    got = (
        acl_client.get("/v1/plugins?type=csi", headers=token).status_code,
        acl_client.get("/v1/plugin/csi/ebs", headers=token).status_code,
        put_plugin(acl_client, "ebs", headers=token, NodesHealthy=1).status_code,
    )

    assert got == expected


def test_claims_need_csi_mount_volume(acl_client):
    management = bootstrap(acl_client)
    register(acl_client, volume("vol1"), headers=auth(management))
    put_policy(acl_client, management, "reader", 'namespace "default" { policy = "read" }')
    put_policy(
        acl_client,
        management,
        "mounter",
        'namespace "default" { capabilities = ["csi-mount-volume"] }',
    )
    body = json.dumps({"AllocationID": "a1", "NodeID": "n1", "Mode": "read"})

    for policy, expected in (("reader", 403), ("mounter", 200)):
        token = auth(make_token(acl_client, management, policy))
        assert (
            acl_client.put("/v1/volume/csi/vol1/claim", data=body, headers=token).status_code
            == expected
        )
        detach = acl_client.delete("/v1/volume/csi/vol1/detach?node=n1", headers=token)
        assert detach.status_code == expected
