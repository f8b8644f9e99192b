from marshmallow import fields
from marshmallow import validate

from app.http_input import NAMESPACE_NAME
from app.schemas import GoStyleSchema


class NamespaceSchema(GoStyleSchema):
    name = fields.String(
        data_key="Name",
        allow_none=True,
        validate=validate.Regexp(
            NAMESPACE_NAME, error="invalid namespace name: use 1 to 128 letters, digits and dashes"
        ),
    )
    description = fields.String(
        data_key="Description", allow_none=True, validate=validate.Length(max=256)
    )
