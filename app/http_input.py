"""Reading what a request carries: its JSON body and the common query parameters."""

import json
import re

from flask import request

from app.errors import BadRequest

NAMESPACE_NAME = re.compile(r"^[a-zA-Z0-9-]{1,128}$")
# Go's strconv.ParseBool, which Nomad's clients are written against.
# fmt: off
BOOL_WORDS = {
    "1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False,
}
# fmt: on


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def json_body():
    """The body decoded as JSON, whatever its Content-Type says.

    Nomad's Go client sends no Content-Type, nomadpy sends form encoding and
    ``curl -d`` does too; all of them send JSON.
    """
    raw = request.get_data(cache=True, parse_form_data=False)
    if not raw.strip():
        raise BadRequest("Request body is empty")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise BadRequest(f"request body is not UTF-8: {error}") from None
    except ValueError as error:
        raise BadRequest(f"invalid JSON in request body: {error}") from None


def parse_bool(name, value):
    if value is None or value == "":
        return False
    try:
        return BOOL_WORDS[value]
    except KeyError:
        raise BadRequest(f"invalid {name} value") from None


def query_namespace(allow_wildcard=False):
    """The namespace named by ``?namespace=``, ``default`` when absent."""
    name = request.args.get("namespace") or "default"
    if name == "*":
        if not allow_wildcard:
            raise BadRequest('namespace "*" is only valid when listing')
        return name
    if not NAMESPACE_NAME.match(name):
        raise BadRequest(f"invalid namespace {name!r}: use 1 to 128 letters, digits and dashes")
    return name


def check_stale():
    # Accepted for compatibility; every answer here is consistent.
    value = request.args.get("stale")
    if value not in (None, ""):
        try:
            BOOL_WORDS[value]
        except KeyError:
            raise BadRequest(
                "Expect `true` or `false` for `stale` query string parameter"
            ) from None
