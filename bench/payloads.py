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


# Plugin records for all but the last plugin, so the list mixes schedulable
# volumes, unschedulable ones and volumes with no plugin record.
PLUGIN_RECORDS = {
    "aws-ebs0": {"Provider": "ebs.csi.aws.com", "Version": "1.30.0", "ControllerRequired": True,
                 "ControllersHealthy": 2, "ControllersExpected": 2,
                 "NodesHealthy": 40, "NodesExpected": 40},
    "nfs-csi": {"Provider": "nfs.csi.k8s.io", "Version": "4.7.0", "ControllerRequired": False,
                "ControllersHealthy": 0, "ControllersExpected": 0,
                "NodesHealthy": 12, "NodesExpected": 12},
    "ceph-rbd": {"Provider": "rbd.csi.ceph.com", "Version": "3.11.0", "ControllerRequired": True,
                 "ControllersHealthy": 0, "ControllersExpected": 1,
                 "NodesHealthy": 8, "NodesExpected": 8},
}  # fmt: skip
# One volume in this many gets a claim; a reader or a writer by its access mode.
CLAIM_EVERY = 10


def claim(n):
    """The claim body for volume number ``n``, or None when it has none."""
    if n % CLAIM_EVERY:
        return None
    access, _ = CAPABILITIES[n % len(CAPABILITIES)]
    mode = "read" if access.endswith("reader-only") else "write"
    return {"AllocationID": f"alloc-{n:06d}", "NodeID": f"node-{n % 97:03d}", "Mode": mode}
