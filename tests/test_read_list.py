"""Reading one volume and listing them (SPEC §2.1, §2.2)."""

import json

import pytest

from tests.conftest import register
from tests.conftest import volume

GET_FIELDS = (
    "ID Name ExternalID Namespace Topologies RequestedTopologies AccessMode AttachmentMode "
    "MountOptions Secrets Parameters Context Capacity RequestedCapacityMin RequestedCapacityMax "
    "RequestedCapabilities CloneID SnapshotID ReadAllocs WriteAllocs Allocations Schedulable "
    "PluginID Provider ProviderVersion ControllerRequired ControllersHealthy ControllersExpected "
    "NodesHealthy NodesExpected ResourceExhausted CreateIndex ModifyIndex CreateTime ModifyTime"
).split()
STUB_FIELDS = (
    "ID Namespace Name ExternalID Topologies AccessMode AttachmentMode CurrentReaders "
    "CurrentWriters Schedulable PluginID Provider ControllerRequired ControllersHealthy "
    "ControllersExpected NodesHealthy NodesExpected ResourceExhausted CreateIndex ModifyIndex "
    "CreateTime ModifyTime"
).split()


def ids(response):
    return [stub["ID"] for stub in response.get_json()]


def make_namespace(client, name):
    assert client.put(f"/v1/namespace/{name}", data=json.dumps({"Name": name})).status_code == 200


def test_read_has_every_field_of_the_get_shape(client):
    register(client, volume("vol1"))

    got = client.get("/v1/volume/csi/vol1").get_json()

    assert sorted(got) == sorted(GET_FIELDS)
    assert got["ResourceExhausted"] is None
    assert isinstance(got["CreateTime"], int) and got["CreateTime"] > 10**18


def test_list_stub_has_every_field_and_no_secrets(client):
    register(client, volume("vol1", Secrets={"k": "hidden"}))

    (stub,) = client.get("/v1/volumes?type=csi").get_json()

    assert sorted(stub) == sorted(STUB_FIELDS)
    assert "hidden" not in json.dumps(stub)


@pytest.mark.parametrize(
    "existing, asked", [("testing", "test"), ("test", "testing"), ("vol-2", "vol")]
)
def test_lookup_is_exact(client, existing, asked):
    register(client, volume(existing))

    response = client.get(f"/v1/volume/csi/{asked}")

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "volume not found"
    assert int(response.headers["X-Nomad-Index"]) > 0


def test_read_is_per_namespace(client):
    make_namespace(client, "dev")
    register(client, volume("vol1"), query="?namespace=dev")

    assert client.get("/v1/volume/csi/vol1").status_code == 404
    assert client.get("/v1/volume/csi/vol1?namespace=dev").get_json()["Namespace"] == "dev"
    assert client.get("/v1/volume/csi/vol1?namespace=*").status_code == 400


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", []),
        ("?type=host", []),
        ("?type=csi", ["a-1", "a-2", "b-1"]),
        ("?type=csi&plugin_id=plugin-a", ["a-1", "a-2"]),
        ("?type=csi&plugin_id=plugin", []),
        ("?type=csi&prefix=a-", ["a-1", "a-2"]),
        ("?type=csi&prefix=a-&plugin_id=plugin-b", []),
        ("?type=csi&prefix=b&plugin_id=plugin-b", ["b-1"]),
        ("?type=csi&prefix=%25", []),
        ("?type=csi&node_id=abc", []),
        ("?type=csi&namespace=dev", ["d-1"]),
        ("?type=csi&namespace=nowhere", []),
    ],
)
def test_list_filters(client, query, expected):
    make_namespace(client, "dev")
    for vid, plugin in (("b-1", "plugin-b"), ("a-2", "plugin-a"), ("a-1", "plugin-a")):
        register(client, volume(vid, plugin=plugin))
    register(client, volume("d-1"), query="?namespace=dev")

    response = client.get("/v1/volumes" + query)

    assert response.status_code == 200
    assert ids(response) == expected


def test_wildcard_lists_every_namespace_ordered_by_namespace_then_id(client):
    make_namespace(client, "dev")
    register(client, volume("z"))
    register(client, volume("a"))
    register(client, volume("m"), query="?namespace=dev")

    stubs = client.get("/v1/volumes?type=csi&namespace=*").get_json()

    assert [(s["Namespace"], s["ID"]) for s in stubs] == [
        ("default", "a"),
        ("default", "z"),
        ("dev", "m"),
    ]


def test_unknown_list_type_is_404(client):
    response = client.get("/v1/volumes?type=nfs")

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "resource not found"


def test_pretty_prints_with_four_spaces_and_a_newline(client):
    register(client, volume("vol1"))

    compact = client.get("/v1/volume/csi/vol1").get_data(as_text=True)
    pretty = client.get("/v1/volume/csi/vol1?pretty").get_data(as_text=True)
    also_pretty = client.get("/v1/volume/csi/vol1?pretty=false").get_data(as_text=True)
    not_pretty = client.get("/v1/volume/csi/vol1?pretty=0").get_data(as_text=True)

    assert ": " not in compact and "\n" not in compact
    assert pretty.startswith('{\n    "AccessMode": ') and pretty.endswith("}\n")
    assert json.loads(pretty) == json.loads(compact)
    assert also_pretty == pretty and not_pretty == compact


def test_keys_are_sorted(client):
    register(client, volume("vol1"))
    text = client.get("/v1/volume/csi/vol1").get_data(as_text=True)
    keys = list(json.loads(text))

    assert keys == sorted(keys)
