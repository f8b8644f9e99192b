from marshmallow import fields
from marshmallow import validate

from app.schemas import GoStyleSchema


def _count(key):
    return fields.Integer(data_key=key, strict=True, load_default=0, validate=validate.Range(min=0))


class PluginSchema(GoStyleSchema):
    provider = fields.String(
        data_key="Provider", load_default="", validate=validate.Length(max=256)
    )
    version = fields.String(data_key="Version", load_default="", validate=validate.Length(max=64))
    controller_required = fields.Boolean(data_key="ControllerRequired", load_default=False)
    controllers_healthy = _count("ControllersHealthy")
    controllers_expected = _count("ControllersExpected")
    nodes_healthy = _count("NodesHealthy")
    nodes_expected = _count("NodesExpected")
