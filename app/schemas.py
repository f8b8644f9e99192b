"""What every request schema shares: Go-style key matching and error messages."""

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import pre_load

from app.errors import BadRequest


class GoStyleSchema(Schema):
    """Match keys case-insensitively and ignore unknown ones, as Go's decoder does.

    Nomad's clients are written against that decoder: ``volumes`` and ``id``
    work there, and fields the server owns (``CreateIndex``, ``Schedulable``,
    ...) are sent back and must be ignored.
    """

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def fold_keys(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        canonical = self.__dict__.get("_canonical_keys")
        if canonical is None:
            # Once per schema instance: the schemas are made once and reused.
            canonical = self._canonical_keys = {
                (field.data_key or name).lower(): field.data_key or name
                for name, field in self.fields.items()
            }
        # Later keys win, as they do in Go.
        return {canonical.get(str(key).lower(), key): value for key, value in data.items()}


def load_or_400(schema, data):
    """``schema.load(data)``, or BadRequest naming each bad field and value."""
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    try:
        return schema.load(data)
    except ValidationError as error:
        raise BadRequest("; ".join(flatten_errors(error.messages, data))) from None


def flatten_errors(messages, data, prefix=""):
    """marshmallow's nested error dict as ``field: problem (got value)`` phrases."""
    phrases = []
    for key, value in messages.items():
        if key == "_schema":  # rules that span fields: bare phrases
            phrases.extend(f"{prefix}: {text}" if prefix else text for text in value)
            continue
        where = (
            f"{prefix}[{key}]"
            if isinstance(key, int)
            else (f"{prefix}.{key}" if prefix else str(key))
        )
        sent = _lookup(data, key)
        if isinstance(value, dict):
            phrases.extend(flatten_errors(value, sent, where))
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, dict):
                phrases.extend(flatten_errors(text, sent, where))
                continue
            phrase = f"{where}: {str(text).rstrip('.')}"
            if sent is not _MISSING:
                phrase += f" (got {_short(sent)})"
            phrases.append(phrase)
    return phrases


_MISSING = object()


def _lookup(data, key):
    try:
        return data[key]
    except (KeyError, IndexError, TypeError):
        return _MISSING


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
