"""The claim body (SPEC §2.5)."""

from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from app.schemas import GoStyleSchema
from app.volumes.schemas import ACCESS_MODES
from app.volumes.schemas import ATTACHMENT_MODES
from app.volumes.schemas import ID_PATTERN
from app.volumes.schemas import ID_RULE

CLIENT_STATUSES = ("pending", "running", "complete", "failed", "lost")


def _identifier(key):
    # Allocation and node IDs are UUIDs in Nomad; the columns hold 64.
    return fields.String(
        data_key=key,
        required=True,
        validate=[
            validate.Regexp(ID_PATTERN, error=ID_RULE),
            validate.Length(max=64, error=f"{key} is longer than 64 characters"),
        ],
        error_messages={"required": f"missing {key}"},
    )


class ClaimSchema(GoStyleSchema):
    alloc_id = _identifier("AllocationID")
    node_id = _identifier("NodeID")
    mode = fields.String(
        data_key="Mode",
        required=True,
        validate=validate.OneOf(("read", "write", "release")),
        error_messages={"required": "missing Mode"},
    )
    access_mode = fields.String(
        data_key="AccessMode",
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(ACCESS_MODES),
    )
    attachment_mode = fields.String(
        data_key="AttachmentMode",
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(ATTACHMENT_MODES),
    )
    job_id = fields.String(data_key="JobID", load_default="", validate=validate.Length(max=256))
    task_group = fields.String(
        data_key="TaskGroup", load_default="", validate=validate.Length(max=256)
    )
    name = fields.String(
        data_key="AllocationName", load_default="", validate=validate.Length(max=256)
    )
    client_status = fields.String(
        data_key="ClientStatus", load_default="running", validate=validate.OneOf(CLIENT_STATUSES)
    )

    @validates_schema
    def both_modes_or_neither(self, data, **kwargs):
        if (data.get("access_mode") is None) != (data.get("attachment_mode") is None):
            raise ValidationError("give both AccessMode and AttachmentMode, or neither")
