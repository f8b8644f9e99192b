"""The one JSON encoder for responses: compact, keys sorted, ``?pretty``."""

import json

from flask import current_app
from flask import request

_compact = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)
_pretty = json.JSONEncoder(indent=4, sort_keys=True, ensure_ascii=False)


def pretty_requested():
    # Nomad pretty-prints for any value but "0", even "false".
    value = request.args.get("pretty")
    return value is not None and value != "0"


def dumps(obj, pretty=False):
    if pretty:
        return _pretty.encode(obj) + "\n"
    return _compact.encode(obj)


def json_response(obj):
    body = dumps(obj, pretty_requested())
    return current_app.response_class(body, status=200, mimetype="application/json")


def empty_response():
    # Deregister and friends: Nomad answers 200 with an empty body and no
    # Content-Type, rather than an empty "text/html" document.
    response = current_app.response_class(b"", status=200)
    del response.headers["Content-Type"]
    return response
