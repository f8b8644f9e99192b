"""Register and update (SPEC §2.1, §2.3)."""

import json

import pytest

from tests.conftest import register
from tests.conftest import volume


def put(client, path, body, **kw):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.put(path, data=data, **kw)


def read(client, vid, query=""):
    return client.get(f"/v1/volume/csi/{vid}{query}")


def test_register_answers_the_volume_and_the_index(client):
    response = register(client, volume("vol1"))

    assert response.status_code == 200
    body = response.get_json()
    assert body["Index"] == int(response.headers["X-Nomad-Index"]) > 1
    assert body["Volumes"][0]["ID"] == "vol1"
    assert body["Volumes"][0]["CreateIndex"] == body["Index"]
    assert (body["Warnings"], body["KnownLeader"], body["NextToken"]) == ("", True, "")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
    ],
)
def test_body_is_json_whatever_the_content_type(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = put(client, "/v1/volume/csi/vol1", {"Volumes": [volume("vol1")]}, headers=headers)

    assert response.status_code == 200, response.data
    assert read(client, "vol1").status_code == 200


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Request body is empty"),
        ("   \n", "Request body is empty"),
        ("{", "invalid JSON in request body"),
        ("not json", "invalid JSON in request body"),
        ("NaN", "invalid JSON in request body"),
        ("null", "missing volume definition"),
        ('{"Volumes": []}', "missing volume definition"),
        ('{"Volumes": null}', "missing volume definition"),
        ('{"Volumes": [null]}', "missing volume definition"),
        ("[]", "request body must be an object"),
        ('{"Volumes": {}}', "Volumes: Not a valid list"),
        ('{"Volumes": [5]}', "a volume must be a JSON object"),
        ('{"Volumes": [{}]}', "validation: missing volume id, missing plugin id"),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p"}]}',
            "validation: must include at least one capability block",
        ),
        ('{"Volumes": [{"ID": 5, "PluginID": "p"}]}', "ID: Not a valid string (got 5)"),
        (
            '{"Volumes": [{"ID": "a/b", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system"}]}',
            "invalid volume id 'a/b'",
        ),
        ('{"Volumes": [{"ID": "a b", "PluginID": "p"}]}', "invalid volume id 'a b'"),
        ('{"Volumes": [{"ID": "a%2F", "PluginID": "p"}]}', "invalid volume id 'a%2F'"),
        ('{"Volumes": [{"ID": "a?b", "PluginID": "p"}]}', "invalid volume id 'a?b'"),
        ('{"Volumes": [{"ID": "' + "x" * 129 + '", "PluginID": "p"}]}', "invalid volume id"),
        ('{"Volumes": [{"ID": "v", "PluginID": "p/q"}]}', "invalid plugin id 'p/q'"),
        ('{"Volumes": [{"ID": "nl\\n", "PluginID": "p"}]}', "invalid volume id 'nl\\n'"),
        ('{"Volumes": [{"ID": "v", "PluginID": "p\\n"}]}', "invalid plugin id"),
        ('{"Volumes": [{"ID": ".", "PluginID": "p"}]}', "invalid volume id '.'"),
        ('{"Volumes": [{"ID": "..", "PluginID": "p"}]}', "invalid volume id '..'"),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "Namespace": "dev\\n",'
            ' "AccessMode": "single-node-writer", "AttachmentMode": "file-system"}]}',
            "invalid namespace",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "Name": "' + "n" * 257 + '"}]}',
            "Name: Longer than maximum length 256",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Capacity": 9223372036854775808}]}',
            "Capacity: Must be greater than or equal to 0 and less than or equal to",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "MountOptions": {"MountFlags": ["[REDACTED]"]}}]}',
            "MountFlags [REDACTED] is what a read shows",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writr",'
            ' "AttachmentMode": "file-system"}]}',
            "invalid access mode 'single-node-writr'",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "filesystem"}]}',
            "invalid attachment mode 'filesystem'",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer"}]}',
            "validation: missing attachment mode",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "RequestedCapabilities":'
            ' [{"AccessMode": "bogus", "AttachmentMode": "file-system"}]}]}',
            "RequestedCapabilities[0].AccessMode: Must be one of",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "RequestedCapabilities":'
            ' [{"AccessMode": "single-node-writer", "AttachmentMode": "block-device"}],'
            ' "MountOptions": {"FSType": "ext4"}}]}',
            "mount options are not allowed with block-device attachment",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Capacity": -1}]}',
            "Capacity: Must be greater than",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Capacity": "10"}]}',
            "Capacity: Not a valid integer",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "RequestedCapacityMin": 10,'
            ' "RequestedCapacityMax": 5}]}',
            "requested capacity min 10 is greater than",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Secrets": {"a": 1}}]}',
            "Secrets.a.value",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Topologies": ["rack"]}]}',
            "a topology is an object of segments",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "CloneID": "c", "SnapshotID": "s"}]}',
            "only one of snapshot id and clone id",
        ),
        (
            '{"Volumes": [{"ID": "v", "PluginID": "p", "AccessMode": "single-node-writer",'
            ' "AttachmentMode": "file-system", "Namespace": "no spaces"}]}',
            "invalid namespace 'no spaces'",
        ),
    ],
)
def test_bad_register_bodies_are_400_naming_the_problem(client, body, message):
    response = client.put("/v1/volumes", data=body)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/v1/volumes?type=csi").get_json() == []


def test_several_problems_are_reported_together(client):
    response = put(client, "/v1/volumes", {"Volumes": [{"ID": "a/b", "PluginID": ""}]})

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invalid volume id 'a/b'" in text and "missing plugin id" in text


def test_keys_match_case_insensitively_like_go(client):
    body = {
        "volumes": [
            {
                "id": "vol1",
                "pluginid": "p",
                "requestedcapabilities": [
                    {"accessmode": "multi-node-multi-writer", "attachmentmode": "block-device"}
                ],
            }
        ]
    }

    assert put(client, "/v1/volume/csi/vol1", body).status_code == 200
    got = read(client, "vol1").get_json()
    assert got["PluginID"] == "p"
    assert got["AccessMode"] == "multi-node-multi-writer"


def test_go_client_zero_values_and_server_fields_are_ignored(client):
    body = volume(
        "vol1",
        Namespace="",
        ResourceExhausted="0001-01-01T00:00:00Z",
        ReadAllocs=None,
        WriteAllocs={"alloc-x": None},
        Allocations=None,
        Schedulable=True,
        CreateIndex=999,
        ModifyIndex=999,
        CreateTime=5,
        ControllersHealthy=7,
        Provider="fake",
        MountOptions=None,
        Topologies=None,
        AccessMode="",
        AttachmentMode="",
    )
    response = put(
        client,
        "/v1/volume/csi/vol1",
        {"Volumes": [body], "PolicyOverride": False, "Region": "", "Namespace": "", "SecretID": ""},
    )

    assert response.status_code == 200, response.data
    got = read(client, "vol1").get_json()
    assert got["Namespace"] == "default"
    assert got["CreateIndex"] != 999 and got["CreateTime"] != 5
    assert (got["Schedulable"], got["ControllersHealthy"], got["Provider"]) == (False, 0, "")
    assert got["WriteAllocs"] == {} and got["ResourceExhausted"] is None


def test_old_clients_top_level_modes_become_a_capability(client):
    body = {
        "ID": "vol1",
        "PluginID": "p",
        "AccessMode": "single-node-reader-only",
        "AttachmentMode": "block-device",
    }

    assert put(client, "/v1/volume/csi/vol1", {"Volumes": [body]}).status_code == 200
    got = read(client, "vol1").get_json()
    assert got["RequestedCapabilities"] == [
        {"AccessMode": "single-node-reader-only", "AttachmentMode": "block-device"}
    ]
    assert (got["AccessMode"], got["AttachmentMode"]) == ("single-node-reader-only", "block-device")


def test_path_id_must_match_body_id(client):
    response = register(client, volume("other"), path_id="vol1")

    assert response.status_code == 400
    assert "'other' in the body does not match 'vol1' in the path" in response.get_data(
        as_text=True
    )
    assert read(client, "other").status_code == 404


def test_empty_body_id_takes_the_path_id(client):
    response = register(client, volume(""), path_id="vol1")

    assert response.status_code == 200
    assert read(client, "vol1").status_code == 200


def test_several_volumes_in_one_request_are_all_or_nothing(client):
    ok, bad = volume("vol1"), volume("vol2", plugin="bad/plugin")
    response = put(client, "/v1/volumes", {"Volumes": [ok, bad]})

    assert response.status_code == 400
    assert "volume 1: validation" in response.get_data(as_text=True)
    assert read(client, "vol1").status_code == 404

    response = put(
        client, "/v1/volumes", {"Volumes": [volume("vol1"), volume("vol2", Namespace="nope")]}
    )
    assert response.status_code == 400
    assert read(client, "vol1").status_code == 404


def test_several_volumes_register_together_with_one_index(client):
    response = client.post("/v1/volumes", data=json.dumps({"Volumes": [volume("a"), volume("b")]}))

    assert response.status_code == 200
    indexes = {v["CreateIndex"] for v in response.get_json()["Volumes"]}
    assert indexes == {response.get_json()["Index"]}


def test_same_id_twice_in_one_request_is_refused(client):
    response = put(client, "/v1/volumes", {"Volumes": [volume("a"), volume("a")]})

    assert response.status_code == 400
    assert "appears twice" in response.get_data(as_text=True)


def test_identical_reregister_is_a_noop(client):
    first = register(client, volume("vol1")).get_json()
    again = register(client, volume("vol1"))

    assert again.status_code == 200
    assert again.get_json()["Index"] == first["Index"]
    assert again.get_json()["Volumes"][0]["ModifyIndex"] == first["Volumes"][0]["ModifyIndex"]
    assert client.get("/v1/volumes?type=csi").headers["X-Nomad-Index"] == str(first["Index"])


@pytest.mark.parametrize(
    "field, value, label",
    [
        ("Name", "renamed", "name"),
        ("ExternalID", "ext-2", "external ID"),
        ("PluginID", "plugin-b", "plugin ID"),
        ("Parameters", {"a": "b"}, "parameters"),
        ("CloneID", "clone-1", "clone ID"),
        ("SnapshotID", "snap-1", "snapshot ID"),
    ],
)
def test_immutable_fields_cannot_change(client, field, value, label):
    register(client, volume("vol1"))
    before = read(client, "vol1").get_json()

    response = register(client, volume("vol1", **{field: value}))

    assert response.status_code == 409
    assert response.get_data(as_text=True) == f"volume {label} cannot be updated: vol1"
    assert read(client, "vol1").get_json() == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("Secrets", {"password": "new"}),
        ("Context", {"endpoint": "x"}),
        ("MountOptions", {"FSType": "xfs", "MountFlags": ["noatime"]}),
        (
            "RequestedCapabilities",
            [{"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"}],
        ),
        ("Capacity", 1024),
        ("RequestedCapacityMax", 2048),
        ("Topologies", [{"Segments": {"rack": "r1"}}]),
    ],
)
def test_mutable_fields_update_and_advance_modify_index(client, field, value):
    first = register(client, volume("vol1")).get_json()["Volumes"][0]

    response = register(client, volume("vol1", **{field: value}))

    assert response.status_code == 200
    got = read(client, "vol1").get_json()
    assert got["ModifyIndex"] > first["ModifyIndex"]
    assert got["CreateIndex"] == first["CreateIndex"]
    if field != "Secrets":
        expected = value
        if field == "MountOptions":
            expected = {"FSType": "xfs", "MountFlags": ["[REDACTED]"]}
        assert got[field] == expected


def test_secrets_are_never_shown_and_reading_keeps_them(app, client):
    register(
        client,
        volume(
            "vol1",
            Secrets={"password": "s3cr3t"},
            MountOptions={"FSType": "ext4", "MountFlags": ["ro"]},
        ),
    )
    for _ in range(2):
        got = read(client, "vol1").get_json()
        assert got["Secrets"] is None
        assert got["MountOptions"]["MountFlags"] == ["[REDACTED]"]
    assert "s3cr3t" not in client.get("/v1/volumes?type=csi").get_data(as_text=True)

    from app.models import Volume

    with app.app_context():
        stored = Volume.get(Volume.volume_id == "vol1")
    assert stored.secrets == {"password": "s3cr3t"}
    assert stored.mount_options["MountFlags"] == ["ro"]


@pytest.mark.parametrize(
    "query, body_ns, top_ns, expected",
    [
        ("", "", None, "default"),
        ("?namespace=dev", "", None, "dev"),
        ("", "dev", None, "dev"),
        ("?namespace=prod", "dev", None, "dev"),
        ("", "", "dev", "dev"),
        ("?namespace=prod", "", "dev", "prod"),
    ],
)
def test_namespace_of_each_volume(client, query, body_ns, top_ns, expected):
    for name in ("dev", "prod"):
        client.put(f"/v1/namespace/{name}", data=json.dumps({"Name": name}))
    body = {"Volumes": [volume("vol1", Namespace=body_ns)]}
    if top_ns:
        body["Namespace"] = top_ns

    response = put(client, "/v1/volume/csi/vol1" + query, body)

    assert response.status_code == 200, response.data
    assert response.get_json()["Volumes"][0]["Namespace"] == expected
    assert read(client, "vol1", f"?namespace={expected}").status_code == 200


def test_nonexistent_namespace_is_refused(client):
    response = register(client, volume("vol1", Namespace="nowhere"))

    assert response.status_code == 400
    assert response.get_data(as_text=True) == "volume vol1 is in nonexistent namespace nowhere"


def test_wildcard_namespace_cannot_be_written(client):
    response = register(client, volume("vol1"), query="?namespace=*")

    assert response.status_code == 400
    assert "only valid when listing" in response.get_data(as_text=True)


def test_registering_a_read_back_keeps_the_secrets(app, client):
    register(client, volume("vol1", Secrets={"password": "s3cr3t"}, Context={"a": "1"}))
    shown = read(client, "vol1").get_json()
    shown["Context"] = {"a": "2"}
    shown["MountOptions"] = None

    assert put(client, "/v1/volume/csi/vol1", {"Volumes": [shown]}).status_code == 200
    assert register(client, volume("vol1", Context={"a": "2"})).status_code == 200

    from app.models import Volume

    with app.app_context():
        assert Volume.get(Volume.volume_id == "vol1").secrets == {"password": "s3cr3t"}
    register(client, volume("vol1", Context={"a": "2"}, Secrets={}))
    with app.app_context():
        assert Volume.get(Volume.volume_id == "vol1").secrets is None
