"""nomadpy, a real Nomad client from PyPI, against the service under gunicorn."""

import pytest
from nomadpy import Client
from nomadpy import Config
from nomadpy import QueryOptions
from nomadpy.csi import CSIMountOptions
from nomadpy.csi import CSIVolume
from nomadpy.csi import CSIVolumeCapability
from nomadpy.error_unexpected_response import UnexpectedResponseError


@pytest.fixture
def nomad(server):
    return Client(Config(address=server.url))


def make_volume(vid, plugin):
    return CSIVolume(
        id=vid,
        name=vid,
        external_id="ext-" + vid,
        plugin_id=plugin,
        requested_capabilities=[
            CSIVolumeCapability(access_mode="single-node-writer", attachment_mode="file-system")
        ],
        mount_options=CSIMountOptions(fs_type="ext4", mount_flags=["noatime"]),
        secrets={"password": "s3cr3t"},
        parameters={"skuname": "Premium_LRS"},
    )


def test_register_read_list_deregister(nomad):
    volumes = nomad.csi_volumes
    response, meta = volumes.register(make_volume("vol-py-1", "plugin-a"))
    assert meta.last_index > 0
    assert response.volumes[0].id == "vol-py-1"
    volumes.register(make_volume("vol-py-2", "plugin-b"))

    vol, meta = volumes.info("vol-py-1")
    assert (vol.id, vol.external_id, vol.plugin_id) == ("vol-py-1", "ext-vol-py-1", "plugin-a")
    assert vol.secrets is None
    assert vol.mount_options.mount_flags == ["[REDACTED]"]
    assert meta.last_index > 0

    stubs, _ = volumes.list(QueryOptions(params={"plugin_id": "plugin-b"}))
    assert [s.id for s in stubs] == ["vol-py-2"]
    stubs, _ = volumes.list()
    assert sorted(s.id for s in stubs) == ["vol-py-1", "vol-py-2"]

    volumes.deregister("vol-py-1")
    with pytest.raises(UnexpectedResponseError) as error:
        volumes.info("vol-py-1")
    assert "404" in str(error.value) and "volume not found" in str(error.value)
