"""The original volumes page's sample, sent with curl as the page shows it."""

import json
import subprocess

SAMPLE = """{
  "ID": "volume-id1",
  "Name": "volume id1",
  "Namespace": "default",
  "ExternalID": "volume-id1",
  "Topologies": [
    {"foo": "bar"}
  ],
  "AccessMode": "single-node-writer",
  "AttachmentMode": "file-system",
  "MountOptions": {
    "FSType": "ext4",
    "MountFlags": ["ro"]
  },
  "PluginID": "plugin-id1"
}
"""


def curl(*args):
    done = subprocess.run(
        ["curl", "--silent", "--show-error", "--write-out", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def test_sample_payload_round_trip_with_curl(server, tmp_path):
    payload = tmp_path / "payload.json"
    payload.write_text(SAMPLE)
    base = server.url + "/v1"

    status, body = curl(
        "--request", "PUT", "--data", f"@{payload}", base + "/volume/csi/volume-id1"
    )
    assert status == 200, body
    assert json.loads(body)["Volumes"][0]["ID"] == "volume-id1"

    status, body = curl(base + "/volume/csi/volume-id1")
    assert status == 200
    read = json.loads(body)
    assert read["RequestedCapabilities"] == [
        {"AccessMode": "single-node-writer", "AttachmentMode": "file-system"}
    ]
    assert read["Topologies"] == [{"Segments": {"foo": "bar"}}]
    assert read["MountOptions"] == {"FSType": "ext4", "MountFlags": ["[REDACTED]"]}
    assert read["Secrets"] is None

    status, body = curl(base + "/volumes?type=csi&plugin_id=plugin-id1")
    assert status == 200
    assert [stub["ID"] for stub in json.loads(body)] == ["volume-id1"]
    status, body = curl(base + "/volumes?type=csi&plugin_id=plugin-id")
    assert json.loads(body) == []

    status, body = curl("--request", "DELETE", base + "/volume/csi/volume-id1")
    assert (status, body) == (200, "")

    status, body = curl(base + "/volume/csi/volume-id1")
    assert (status, body) == (404, "volume not found")
