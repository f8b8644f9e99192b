"""The volume as the wire shows it: the GET shape and the list stub (SPEC §2.1).

Both are built from plain values, not model instances: the list builds
thousands of them and a model instance per row costs more than the query.
"""

REDACTED = "[REDACTED]"
TERMINAL_STATUSES = ("complete", "failed", "lost")
NO_PLUGIN = {
    "Provider": "",
    "ProviderVersion": "",
    "ControllerRequired": False,
    "ControllersHealthy": 0,
    "ControllersExpected": 0,
    "NodesHealthy": 0,
    "NodesExpected": 0,
    "Schedulable": False,
}


def redacted_mount_options(mount):
    # A copy: redaction must never reach what is stored.
    if mount is None:
        return None
    flags = mount.get("MountFlags")
    return {"FSType": mount.get("FSType", ""), "MountFlags": [REDACTED] if flags else flags}


# The allocation columns a volume's claims show, as ``allocation_stub`` reads them.
ALLOCATION_COLUMNS = (
    "alloc_id",
    "name",
    "namespace",
    "node_id",
    "job_id",
    "task_group",
    "desired_status",
    "client_status",
    "create_index",
    "modify_index",
    "create_time",
    "modify_time",
)


def allocation_stub(alloc):
    return {
        "ID": alloc.alloc_id,
        "Name": alloc.name,
        "Namespace": alloc.namespace,
        "NodeID": alloc.node_id,
        "JobID": alloc.job_id,
        "TaskGroup": alloc.task_group,
        "DesiredStatus": alloc.desired_status,
        "ClientStatus": alloc.client_status,
        "CreateIndex": alloc.create_index,
        "ModifyIndex": alloc.modify_index,
        "CreateTime": alloc.create_time,
        "ModifyTime": alloc.modify_time,
    }


# The plugin columns the volume shapes read, in the order ``plugin_fields`` unpacks them.
PLUGIN_COLUMNS = (
    "plugin_id",
    "provider",
    "version",
    "controller_required",
    "controllers_healthy",
    "controllers_expected",
    "nodes_healthy",
    "nodes_expected",
)


def plugin_fields(values):
    """A volume's plugin-derived fields from its plugin's columns (SPEC §3).

    ``values`` is None, or has a None plugin ID, when no plugin record exists.
    """
    if values is None or values[0] is None:
        return NO_PLUGIN
    _, provider, version, required, c_healthy, c_expected, n_healthy, n_expected = values
    return {
        "Provider": provider,
        "ProviderVersion": version,
        "ControllerRequired": bool(required),
        "ControllersHealthy": c_healthy,
        "ControllersExpected": c_expected,
        "NodesHealthy": n_healthy,
        "NodesExpected": n_expected,
        "Schedulable": n_healthy > 0 and (not required or c_healthy > 0),
    }


def volume_body(volume, claims, plugin):
    """The GET shape of ``volume``: its claims as (Claim, Allocation) pairs, and
    ``plugin`` as ``plugin_fields`` made it."""
    readers = {a.alloc_id: None for c, a in claims if c.mode == "read"}
    writers = {a.alloc_id: None for c, a in claims if c.mode == "write"}
    body = {
        "ID": volume.volume_id,
        "Name": volume.name,
        "ExternalID": volume.external_id,
        "Namespace": volume.namespace_id,
        "Topologies": volume.topologies,
        "RequestedTopologies": volume.requested_topologies,
        "AccessMode": volume.access_mode,
        "AttachmentMode": volume.attachment_mode,
        "MountOptions": redacted_mount_options(volume.mount_options),
        "Secrets": None,
        "Parameters": volume.parameters,
        "Context": volume.context,
        "Capacity": volume.capacity,
        "RequestedCapacityMin": volume.requested_capacity_min,
        "RequestedCapacityMax": volume.requested_capacity_max,
        "RequestedCapabilities": volume.capabilities,
        "CloneID": volume.clone_id,
        "SnapshotID": volume.snapshot_id,
        "ReadAllocs": readers,
        "WriteAllocs": writers,
        "Allocations": [allocation_stub(alloc) for _, alloc in claims],
        "PluginID": volume.plugin_id,
        "ResourceExhausted": None,
        "CreateIndex": volume.create_index,
        "ModifyIndex": volume.modify_index,
        "CreateTime": volume.create_time,
        "ModifyTime": volume.modify_time,
    }
    body.update(plugin)
    return body


# The columns the list reads, in the order ``list_stub`` unpacks them.
STUB_COLUMNS = (
    "volume_id",
    "namespace",
    "name",
    "external_id",
    "topologies",
    "access_mode",
    "attachment_mode",
    "plugin_id",
    "create_index",
    "modify_index",
    "create_time",
    "modify_time",
)


def list_stub(row, readers, writers, plugin):
    """The list stub from ``STUB_COLUMNS`` values, claim counts and ``plugin_fields``."""
    (
        vid,
        namespace,
        name,
        external_id,
        topologies,
        access,
        attachment,
        plugin_id,
        create_index,
        modify_index,
        create_time,
        modify_time,
    ) = row
    return {
        "ID": vid,
        "Namespace": namespace,
        "Name": name,
        "ExternalID": external_id,
        "Topologies": topologies,
        "AccessMode": access,
        "AttachmentMode": attachment,
        "CurrentReaders": readers,
        "CurrentWriters": writers,
        "Schedulable": plugin["Schedulable"],
        "PluginID": plugin_id,
        "Provider": plugin["Provider"],
        "ControllerRequired": plugin["ControllerRequired"],
        "ControllersHealthy": plugin["ControllersHealthy"],
        "ControllersExpected": plugin["ControllersExpected"],
        "NodesHealthy": plugin["NodesHealthy"],
        "NodesExpected": plugin["NodesExpected"],
        "ResourceExhausted": None,
        "CreateIndex": create_index,
        "ModifyIndex": modify_index,
        "CreateTime": create_time,
        "ModifyTime": modify_time,
    }
