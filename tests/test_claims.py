"""Claims, detach, force (SPEC §2.4, §2.5): making "in use" real."""

import json
import threading

import pytest
import requests

from tests.conftest import register
from tests.conftest import volume
from tests.servers import Gunicorn


def claim(client, vid, alloc, node, mode, query="", **extra):
    body = {"AllocationID": alloc, "NodeID": node, "Mode": mode, **extra}
    return client.put(f"/v1/volume/csi/{vid}/claim{query}", data=json.dumps(body))


def with_mode(client, vid, access, attachment="file-system"):
    caps = [{"AccessMode": access, "AttachmentMode": attachment}]
    assert register(client, volume(vid, RequestedCapabilities=caps)).status_code == 200


# (access mode, first claim, second claim, second on the same node?) -> second's status.
# fmt: off
RULES = {
    "single-node-reader-only":  {("read", "read", True): 200, ("read", "read", False): 409},
    "single-node-writer": {
        ("write", "write", True): 409, ("write", "read", True): 200,
        ("write", "read", False): 409, ("read", "read", True): 200,
        ("read", "write", True): 200, ("read", "read", False): 409,
        ("read", "write", False): 409,
    },
    "multi-node-reader-only": {("read", "read", True): 200, ("read", "read", False): 200},
    "multi-node-single-writer": {
        ("write", "write", False): 409, ("write", "write", True): 409,
        ("write", "read", False): 200, ("read", "write", False): 200,
        ("read", "read", False): 200,
    },
    "multi-node-multi-writer": {
        ("write", "write", False): 200, ("write", "write", True): 200,
        ("read", "write", False): 200, ("write", "read", False): 200,
    },
}
# fmt: on
CASES = [
    (access, *case, status) for access, table in RULES.items() for case, status in table.items()
]


@pytest.mark.parametrize("access, first, second, same_node, expected", CASES)
def test_access_mode_rules(client, access, first, second, same_node, expected):
    with_mode(client, "vol1", access)
    assert claim(client, "vol1", "alloc-1", "node-a", first).status_code == 200

    response = claim(client, "vol1", "alloc-2", "node-a" if same_node else "node-b", second)

    assert response.status_code == expected, response.data
    got = client.get("/v1/volume/csi/vol1").get_json()
    claimed = set(got["ReadAllocs"]) | set(got["WriteAllocs"])
    assert claimed == ({"alloc-1", "alloc-2"} if expected == 200 else {"alloc-1"})
    if expected == 409:
        assert response.get_data(as_text=True).startswith("volume max claim reached: ")


@pytest.mark.parametrize("access", ["single-node-reader-only", "multi-node-reader-only"])
def test_reader_only_modes_take_no_writer_at_all(client, access):
    with_mode(client, "vol1", access)

    response = claim(client, "vol1", "alloc-1", "node-a", "write")

    assert response.status_code == 409
    assert "takes no writers" in response.get_data(as_text=True)


def test_claim_answers_the_volume_with_its_allocations(client):
    register(client, volume("vol1"))

    response = claim(
        client,
        "vol1",
        "alloc-1",
        "node-a",
        "write",
        JobID="web",
        TaskGroup="g",
        AllocationName="web.g[0]",
    )

    assert response.status_code == 200
    got = response.get_json()
    assert got["WriteAllocs"] == {"alloc-1": None} and got["ReadAllocs"] == {}
    (stub,) = got["Allocations"]
    assert (stub["ID"], stub["NodeID"], stub["JobID"], stub["ClientStatus"]) == (
        "alloc-1",
        "node-a",
        "web",
        "running",
    )
    assert got["ModifyIndex"] == int(response.headers["X-Nomad-Index"])


def test_first_claim_fixes_the_modes_until_the_last_goes(client):
    caps = [
        {"AccessMode": "multi-node-multi-writer", "AttachmentMode": "file-system"},
        {"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"},
    ]
    register(client, volume("vol1", RequestedCapabilities=caps))
    reader = {"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"}

    assert claim(client, "vol1", "a1", "n1", "read", **reader).status_code == 200
    assert client.get("/v1/volume/csi/vol1").get_json()["AccessMode"] == "multi-node-reader-only"
    refused = claim(client, "vol1", "a2", "n2", "write")
    assert refused.status_code == 409 and "in use as multi-node-reader-only" in refused.text

    claim(client, "vol1", "a1", "n1", "release")

    assert client.get("/v1/volume/csi/vol1").get_json()["AccessMode"] == "multi-node-multi-writer"
    assert claim(client, "vol1", "a2", "n2", "write").status_code == 200


@pytest.mark.parametrize(
    "body, message",
    [
        ({"NodeID": "n", "Mode": "read"}, "missing AllocationID"),
        ({"AllocationID": "a", "Mode": "read"}, "missing NodeID"),
        ({"AllocationID": "a", "NodeID": "n"}, "missing Mode"),
        ({"AllocationID": "a", "NodeID": "n", "Mode": "borrow"}, "Mode: Must be one of"),
        ({"AllocationID": "a/b", "NodeID": "n", "Mode": "read"}, "AllocationID"),
        ({"AllocationID": "a" * 65, "NodeID": "n", "Mode": "read"}, "longer than 64"),
        ({"AllocationID": "a\n", "NodeID": "n", "Mode": "read"}, "AllocationID"),
        (
            {"AllocationID": "a", "NodeID": "n", "Mode": "read", "ClientStatus": "done"},
            "ClientStatus",
        ),
        (
            {
                "AllocationID": "a",
                "NodeID": "n",
                "Mode": "read",
                "AccessMode": "single-node-writer",
            },
            "give both AccessMode and AttachmentMode",
        ),
        (
            {
                "AllocationID": "a",
                "NodeID": "n",
                "Mode": "read",
                "AccessMode": "single-node-writer",
                "AttachmentMode": "block-device",
            },
            "has no capability single-node-writer/block-device",
        ),
    ],
)
def test_bad_claims_are_400(client, body, message):
    register(client, volume("vol1"))

    response = client.put("/v1/volume/csi/vol1/claim", data=json.dumps(body))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/v1/volume/csi/vol1").get_json()["Allocations"] == []


def test_claim_on_a_missing_volume_is_404(client):
    response = claim(client, "nope", "a1", "n1", "read")

    assert (response.status_code, response.get_data(as_text=True)) == (
        404,
        "volume not found: nope",
    )


def test_an_allocation_cannot_move_nodes(client):
    with_mode(client, "vol1", "multi-node-multi-writer")
    claim(client, "vol1", "a1", "n1", "read")

    response = claim(client, "vol1", "a1", "n2", "read")

    assert response.status_code == 409
    assert "never moves" in response.get_data(as_text=True)


def test_deregister_names_the_blocking_claims(client):
    register(client, volume("vol1"))
    claim(client, "vol1", "alloc-1", "node-a", "write")

    response = client.delete("/v1/volume/csi/vol1")

    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert text.startswith("volume in use: vol1")
    assert "allocation alloc-1 on node node-a (write, running)" in text
    assert client.get("/v1/volume/csi/vol1").status_code == 200


def test_force_is_refused_while_running_and_accepted_once_complete(client):
    register(client, volume("vol1"))
    claim(client, "vol1", "alloc-1", "node-a", "write")

    refused = client.delete("/v1/volume/csi/vol1?force=true")
    assert refused.status_code == 409 and "alloc-1" in refused.get_data(as_text=True)

    claim(client, "vol1", "alloc-1", "node-a", "write", ClientStatus="complete")
    assert client.delete("/v1/volume/csi/vol1").status_code == 409  # force is still needed
    assert client.delete("/v1/volume/csi/vol1?force=true").status_code == 200
    assert client.get("/v1/volume/csi/vol1").status_code == 404
    assert claim(client, "vol1", "alloc-2", "node-a", "write").status_code == 404


def test_detach_releases_one_nodes_claims(client):
    with_mode(client, "vol1", "multi-node-multi-writer")
    for alloc, node in (("a1", "node-a"), ("a2", "node-a"), ("a3", "node-ab")):
        claim(client, "vol1", alloc, node, "read")

    response = client.delete("/v1/volume/csi/vol1/detach?node=node-a")

    assert response.status_code == 200
    assert set(client.get("/v1/volume/csi/vol1").get_json()["ReadAllocs"]) == {"a3"}


def test_detach_needs_a_node(client):
    register(client, volume("vol1"))

    response = client.delete("/v1/volume/csi/vol1/detach")

    assert (response.status_code, response.get_data(as_text=True)) == (
        400,
        "detach requires node ID",
    )


def test_release_removes_one_claim(client):
    with_mode(client, "vol1", "multi-node-multi-writer")
    claim(client, "vol1", "a1", "n1", "write")
    claim(client, "vol1", "a2", "n2", "read")

    response = claim(client, "vol1", "a1", "n1", "release")

    assert response.status_code == 200
    assert response.get_json()["WriteAllocs"] == {}
    assert response.get_json()["ReadAllocs"] == {"a2": None}
    assert client.delete("/v1/volume/csi/vol1").status_code == 409


def test_in_use_volume_keeps_its_mount_options_and_mode(client):
    register(client, volume("vol1", MountOptions={"FSType": "ext4"}))
    claim(client, "vol1", "a1", "n1", "write")

    changed_mount = register(client, volume("vol1", MountOptions={"FSType": "xfs"}))
    other_modes = register(
        client,
        volume(
            "vol1",
            MountOptions={"FSType": "ext4"},
            RequestedCapabilities=[
                {"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"}
            ],
        ),
    )
    more_modes = register(
        client,
        volume(
            "vol1",
            MountOptions={"FSType": "ext4"},
            RequestedCapabilities=[
                {"AccessMode": "single-node-writer", "AttachmentMode": "file-system"},
                {"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"},
            ],
        ),
    )

    assert changed_mount.status_code == 409 and "while in use" in changed_mount.text
    assert other_modes.status_code == 409 and "while in use" in other_modes.text
    assert more_modes.status_code == 200


@pytest.mark.parametrize("prefix", ["node-a", "NODE-A", "Node", "node-a1"])
def test_node_id_filter_is_a_case_insensitive_prefix_of_live_claims(client, prefix):
    with_mode(client, "vol1", "multi-node-multi-writer")
    register(client, volume("vol2"))
    register(client, volume("vol3"))
    claim(client, "vol1", "a1", "Node-A1", "read")
    claim(client, "vol2", "a2", "node-a1", "write", ClientStatus="complete")

    stubs = client.get(f"/v1/volumes?type=csi&node_id={prefix}").get_json()

    assert [s["ID"] for s in stubs] == ["vol1"]


def test_list_and_read_agree_on_the_counts(client):
    with_mode(client, "vol1", "multi-node-multi-writer")
    register(client, volume("vol2"))
    for alloc, mode in (("a1", "read"), ("a2", "read"), ("a3", "write")):
        claim(client, "vol1", alloc, f"node-{alloc}", mode)

    stubs = {s["ID"]: s for s in client.get("/v1/volumes?type=csi").get_json()}
    for vid in ("vol1", "vol2"):
        got = client.get(f"/v1/volume/csi/{vid}").get_json()
        assert stubs[vid]["CurrentReaders"] == len(got["ReadAllocs"])
        assert stubs[vid]["CurrentWriters"] == len(got["WriteAllocs"])
        assert stubs[vid]["AccessMode"] == got["AccessMode"]
    assert (stubs["vol1"]["CurrentReaders"], stubs["vol1"]["CurrentWriters"]) == (2, 1)


def _claim_over_http(url, alloc, node, results):
    body = json.dumps({"AllocationID": alloc, "NodeID": node, "Mode": "write"})
    response = requests.put(f"{url}/v1/volume/csi/vol1/claim", data=body, timeout=30)
    results.append((alloc, response.status_code))


def test_racing_single_writer_claims_from_two_processes(db_url, tmp_path):
    with (
        Gunicorn(db_url, workers=1, log_path=tmp_path / "a.log") as a,
        Gunicorn(db_url, workers=1, log_path=tmp_path / "b.log") as b,
    ):
        body = json.dumps({"Volumes": [volume("vol1")]})
        assert requests.put(f"{a.url}/v1/volume/csi/vol1", data=body, timeout=10).ok
        for round_ in range(8):
            results = []
            threads = [
                threading.Thread(
                    target=_claim_over_http, args=(url, f"r{round_}-{n}", f"n{n}", results)
                )
                for n, url in enumerate((a.url, b.url))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            assert sorted(status for _, status in results) == [200, 409], results
            winner = next(alloc for alloc, status in results if status == 200)
            got = requests.get(f"{a.url}/v1/volume/csi/vol1", timeout=10).json()
            assert set(got["WriteAllocs"]) == {winner}
            released = json.dumps({"AllocationID": winner, "NodeID": "x", "Mode": "release"})
            requests.put(f"{a.url}/v1/volume/csi/vol1/claim", data=released, timeout=10)


def test_allocation_records_go_with_their_last_claim(app, client):
    from app.models import Allocation

    with_mode(client, "vol1", "multi-node-multi-writer")
    register(client, volume("vol2"))
    claim(client, "vol1", "a1", "n1", "read")
    claim(client, "vol1", "a2", "n2", "read", ClientStatus="complete")
    claim(client, "vol2", "a1", "n1", "read")

    claim(client, "vol1", "a1", "n1", "release")
    client.delete("/v1/volume/csi/vol1?force=true")

    with app.app_context():
        assert [a.alloc_id for a in Allocation.select()] == ["a1"]
    client.delete("/v1/volume/csi/vol2/detach?node=n1")
    with app.app_context():
        assert Allocation.select().count() == 0


def test_a_finished_allocation_cannot_run_again(client):
    """Reviving it through another volume would bring back a writer unchecked."""
    with_mode(client, "single", "single-node-writer")
    with_mode(client, "shared", "multi-node-multi-writer")
    claim(client, "single", "k1", "node-1", "write")
    claim(client, "shared", "k1", "node-1", "read", ClientStatus="complete")
    assert claim(client, "single", "k2", "node-2", "write").status_code == 200

    revived = claim(client, "shared", "k1", "node-1", "read", ClientStatus="running")

    assert revived.status_code == 409
    assert "cannot run again" in revived.get_data(as_text=True)
    writers = client.get("/v1/volume/csi/single").get_json()["WriteAllocs"]
    assert list(writers) == ["k1", "k2"]  # k1 only as a finished claim
    assert client.get("/v1/volumes?type=csi&node_id=node-1").get_json() == []


def test_no_claimed_mode_can_be_taken_off_offer(client):
    caps = [
        {"AccessMode": "multi-node-reader-only", "AttachmentMode": "file-system"},
        {"AccessMode": "multi-node-multi-writer", "AttachmentMode": "file-system"},
    ]
    register(client, volume("mx", RequestedCapabilities=caps))
    claim(client, "mx", "aa1", "n1", "read", ClientStatus="complete", **caps[0])
    claim(client, "mx", "aa2", "n2", "write", **caps[1])

    for kept in caps:
        response = register(client, volume("mx", RequestedCapabilities=[kept]))
        assert response.status_code == 409, kept
    assert client.get("/v1/volume/csi/mx").get_json()["RequestedCapabilities"] == caps


def test_moving_allocation_message_does_not_say_where_it_runs(client):
    with_mode(client, "vol1", "multi-node-multi-writer")
    claim(client, "vol1", "a1", "secret-node", "read")

    response = claim(client, "vol1", "a1", "other-node", "read")

    assert response.status_code == 409
    assert "secret-node" not in response.get_data(as_text=True)
