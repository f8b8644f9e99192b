from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from app.schemas import GoStyleSchema


class JSONBoolean(fields.Boolean):
    """true or false only: "yes" or 1 is a mistake, as Go's decoder says too."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a boolean: use true or false")
        return value


def _count(key):
    # An INTEGER column on PostgreSQL: 32 bits.
    return fields.Integer(
        data_key=key, strict=True, load_default=0, validate=validate.Range(min=0, max=2**31 - 1)
    )


class PluginSchema(GoStyleSchema):
    provider = fields.String(
        data_key="Provider", load_default="", validate=validate.Length(max=256)
    )
    version = fields.String(data_key="Version", load_default="", validate=validate.Length(max=64))
    controller_required = JSONBoolean(data_key="ControllerRequired", load_default=False)
    controllers_healthy = _count("ControllersHealthy")
    controllers_expected = _count("ControllersExpected")
    nodes_healthy = _count("NodesHealthy")
    nodes_expected = _count("NodesExpected")
