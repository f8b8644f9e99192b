from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from app.schemas import GoStyleSchema

POLICY_NAME = validate.Regexp(
    r"\A[a-zA-Z0-9-]{1,128}\Z", error="invalid policy name: use 1 to 128 letters, digits and dashes"
)


class PolicySchema(GoStyleSchema):
    name = fields.String(data_key="Name", allow_none=True, validate=POLICY_NAME)
    description = fields.String(
        data_key="Description", allow_none=True, validate=validate.Length(max=256)
    )
    rules = fields.String(data_key="Rules", allow_none=True)


class TokenSchema(GoStyleSchema):
    name = fields.String(data_key="Name", allow_none=True, validate=validate.Length(max=256))
    type = fields.String(
        data_key="Type",
        allow_none=True,
        validate=validate.OneOf(
            ["client", "management"], error="invalid token type {input!r}: use client or management"
        ),
    )
    policies = fields.List(
        fields.String(validate=POLICY_NAME), data_key="Policies", allow_none=True
    )
    global_ = fields.Boolean(data_key="Global", allow_none=True)
    accessor_id = fields.String(data_key="AccessorID", allow_none=True)


def _chosen_secret(value):
    # Empty means "make one": the nomad CLI sends "" when no secret is chosen.
    if value and not 16 <= len(value) <= 128:
        raise ValidationError("BootstrapSecret must be 16 to 128 characters")


class BootstrapSchema(GoStyleSchema):
    bootstrap_secret = fields.String(
        data_key="BootstrapSecret", allow_none=True, validate=_chosen_secret
    )
