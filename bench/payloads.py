"""The volumes the bench registers, varied so that rows are not trivial.

Two volumes in three carry topologies and a context, as volumes of a real
cloud plugin do; the rest leave them null, so the list mixes both.
"""

GIB = 1024**3
PLUGINS = ("aws-ebs0", "nfs-csi", "ceph-rbd", "hostpath")
CAPABILITIES = (
    ("single-node-writer", "file-system"),
    ("multi-node-reader-only", "file-system"),
    ("multi-node-multi-writer", "file-system"),
    ("single-node-writer", "block-device"),
)


def volume(volume_id, n, capacity=None):
    """The register payload of volume number ``n``; ``capacity`` overrides its size."""
    access, attachment = CAPABILITIES[n % len(CAPABILITIES)]
    spec = {
        "ID": volume_id,
        "Name": f"bench volume {n}",
        "ExternalID": f"vol-{n:012x}",
        "PluginID": PLUGINS[n % len(PLUGINS)],
        "RequestedCapabilities": [{"AccessMode": access, "AttachmentMode": attachment}],
        "Capacity": capacity if capacity is not None else (1 + n % 50) * GIB,
        "Parameters": {"type": "gp3", "encrypted": "true"},
    }
    # Mount options with a block device are refused (SPEC §2.1).
    if attachment == "file-system":
        spec["MountOptions"] = {"FSType": "ext4", "MountFlags": ["noatime"]}
    if n % 3:
        zone = f"eu-west-1{'abc'[n % 3]}"
        spec["Topologies"] = [
            {"Segments": {"topology.ebs.csi.aws.com/zone": zone, "rack": f"r{n % 40}"}}
        ]
        spec["Context"] = {"attachedAt": f"node-{n % 97}", "fsType": "ext4", "zone": zone}
    return spec


def bulk_ids(count):
    return [f"bench-{n:05d}" for n in range(count)]
