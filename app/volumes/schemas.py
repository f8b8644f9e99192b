"""The register body: what a client may send for a volume, and its checks (SPEC §2.1)."""

import re

from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import validate
from marshmallow import validates_schema

from app.schemas import GoStyleSchema
from app.volumes.shapes import REDACTED

ACCESS_MODES = (
    "single-node-reader-only",
    "single-node-writer",
    "multi-node-reader-only",
    "multi-node-single-writer",
    "multi-node-multi-writer",
)
ATTACHMENT_MODES = ("file-system", "block-device")

# Characters that need no escaping in a URL path: an ID outside this set
# reaches Nomad's clients' Info and Deregister calls differently, and a
# volume called "a/b" could never be read or deleted again.
# \Z, not $: "$" also matches before a final newline. "." and ".." are
# refused too: clients drop them from paths as dot segments.
ID_PATTERN = re.compile(r"\A(?!\.{1,2}\Z)[A-Za-z0-9\-_.\[\]:@]{1,128}\Z")
ID_RULE = "use 1 to 128 letters, digits and -_.[]:@, and not . or .. alone"
INT64_MAX = 2**63 - 1


def _string_map(key):
    return fields.Dict(keys=fields.String(), values=fields.String(), data_key=key, allow_none=True)


class MountOptionsSchema(GoStyleSchema):
    fs_type = fields.String(data_key="FSType", allow_none=True)
    mount_flags = fields.List(fields.String(), data_key="MountFlags", allow_none=True)


class CapabilitySchema(GoStyleSchema):
    access_mode = fields.String(
        data_key="AccessMode", required=True, validate=validate.OneOf(ACCESS_MODES)
    )
    attachment_mode = fields.String(
        data_key="AttachmentMode", required=True, validate=validate.OneOf(ATTACHMENT_MODES)
    )


class Topology(fields.Field):
    """``{"Segments": {...}}``, or the segments alone as the original page sends them."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("a topology is an object of segments")
        folded = {str(key).lower(): key for key in value}
        segments = value[folded["segments"]] if "segments" in folded else value
        if segments is None:
            segments = {}
        if not isinstance(segments, dict) or not all(isinstance(v, str) for v in segments.values()):
            raise ValidationError("topology segments map names to strings")
        return {"Segments": dict(segments)}


class RequestedTopologiesSchema(GoStyleSchema):
    required = fields.List(Topology(), data_key="Required", allow_none=True)
    preferred = fields.List(Topology(), data_key="Preferred", allow_none=True)


class VolumeSchema(GoStyleSchema):
    id = fields.String(data_key="ID", allow_none=True)
    name = fields.String(data_key="Name", allow_none=True, validate=validate.Length(max=256))
    external_id = fields.String(
        data_key="ExternalID", allow_none=True, validate=validate.Length(max=256)
    )
    namespace = fields.String(data_key="Namespace", allow_none=True)
    plugin_id = fields.String(data_key="PluginID", allow_none=True)
    requested_capabilities = fields.List(
        fields.Nested(CapabilitySchema), data_key="RequestedCapabilities", allow_none=True
    )
    access_mode = fields.String(data_key="AccessMode", allow_none=True)
    attachment_mode = fields.String(data_key="AttachmentMode", allow_none=True)
    mount_options = fields.Nested(MountOptionsSchema, data_key="MountOptions", allow_none=True)
    secrets = _string_map("Secrets")
    parameters = _string_map("Parameters")
    context = _string_map("Context")
    topologies = fields.List(Topology(), data_key="Topologies", allow_none=True)
    requested_topologies = fields.Nested(
        RequestedTopologiesSchema, data_key="RequestedTopologies", allow_none=True
    )
    capacity = fields.Integer(
        strict=True, data_key="Capacity", validate=validate.Range(min=0, max=INT64_MAX)
    )
    requested_capacity_min = fields.Integer(
        strict=True, data_key="RequestedCapacityMin", validate=validate.Range(min=0, max=INT64_MAX)
    )
    requested_capacity_max = fields.Integer(
        strict=True, data_key="RequestedCapacityMax", validate=validate.Range(min=0, max=INT64_MAX)
    )
    clone_id = fields.String(data_key="CloneID", allow_none=True, validate=validate.Length(max=256))
    snapshot_id = fields.String(
        data_key="SnapshotID", allow_none=True, validate=validate.Length(max=256)
    )

    @validates_schema
    def check_volume(self, data, **kwargs):
        problems = []
        for key, what in (("id", "volume id"), ("plugin_id", "plugin id")):
            value = data.get(key) or ""
            if not value:
                problems.append(f"missing {what}")
            elif not ID_PATTERN.match(value):
                problems.append(f"invalid {what} {value!r}: {ID_RULE}")
        for key, allowed in (("access_mode", ACCESS_MODES), ("attachment_mode", ATTACHMENT_MODES)):
            value = data.get(key) or ""
            if value and value not in allowed:
                label = key.replace("_", " ")
                problems.append(f"invalid {label} {value!r}: must be one of {', '.join(allowed)}")
        if problems:
            raise ValidationError(problems)

    @post_load
    def normalize(self, data, **kwargs):
        return normalize_volume(data)


def normalize_volume(data):
    """Fill defaults and fold the old top-level modes into capabilities.

    Raises ValidationError for rules that span several fields.
    """
    problems = []
    capabilities = []
    for cap in data.get("requested_capabilities") or []:
        pair = {"AccessMode": cap["access_mode"], "AttachmentMode": cap["attachment_mode"]}
        if pair not in capabilities:
            capabilities.append(pair)

    # Clients before Nomad 1.1 send only the top-level pair; newer ones send
    # it as "" beside RequestedCapabilities, where it means nothing.
    access, attachment = data.get("access_mode") or "", data.get("attachment_mode") or ""
    if not capabilities:
        if access and attachment:
            capabilities.append({"AccessMode": access, "AttachmentMode": attachment})
        elif access:
            problems.append("missing attachment mode")
        elif attachment:
            problems.append("missing access mode")
        else:
            problems.append("must include at least one capability block")

    mount = data.get("mount_options")
    if mount is not None and REDACTED in (mount.get("mount_flags") or []):
        problems.append(
            f"MountFlags {REDACTED} is what a read shows in place of the flags: send the flags"
        )
    if mount is not None:
        mount = {"FSType": mount.get("fs_type") or "", "MountFlags": mount.get("mount_flags")}
        if not mount["FSType"] and not mount["MountFlags"]:
            mount = None
    if mount is not None and any(c["AttachmentMode"] == "block-device" for c in capabilities):
        problems.append("mount options are not allowed with block-device attachment")

    low, high = data.get("requested_capacity_min") or 0, data.get("requested_capacity_max") or 0
    if high and low > high:
        problems.append(
            f"requested capacity min {low} is greater than requested capacity max {high}"
        )
    if data.get("clone_id") and data.get("snapshot_id"):
        problems.append("only one of snapshot id and clone id may be set")
    if problems:
        raise ValidationError(problems)

    topologies = data.get("requested_topologies")
    if topologies is not None:
        topologies = {
            "Required": topologies.get("required"),
            "Preferred": topologies.get("preferred"),
        }
    return {
        "volume_id": data["id"],
        "name": data.get("name") or "",
        "external_id": data.get("external_id") or "",
        "namespace": data.get("namespace") or "",
        "plugin_id": data["plugin_id"],
        "capabilities": capabilities,
        "access_mode": capabilities[0]["AccessMode"],
        "attachment_mode": capabilities[0]["AttachmentMode"],
        "mount_options": mount,
        # None: keep what is stored (a read shows null), {}: none.
        "secrets": data.get("secrets"),
        "parameters": data.get("parameters") or None,
        "context": data.get("context") or None,
        "topologies": data.get("topologies") or None,
        "requested_topologies": topologies,
        "capacity": data.get("capacity") or 0,
        "requested_capacity_min": low,
        "requested_capacity_max": high,
        "clone_id": data.get("clone_id") or "",
        "snapshot_id": data.get("snapshot_id") or "",
    }


class RegisterRequestSchema(GoStyleSchema):
    """The wrapper every client sends; the volumes are checked one by one."""

    volumes = fields.List(fields.Raw(allow_none=True), data_key="Volumes", allow_none=True)
    namespace = fields.String(data_key="Namespace", allow_none=True)
    region = fields.String(data_key="Region", allow_none=True)
    policy_override = fields.Boolean(data_key="PolicyOverride", allow_none=True)
    secret_id = fields.String(data_key="SecretID", allow_none=True)
