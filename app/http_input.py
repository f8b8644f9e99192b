"""Reading what a request carries: its JSON body and the common query parameters."""

import json
import re

from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import BadRequest

# \Z, not $: "$" also matches before a final newline.
NAMESPACE_NAME = re.compile(r"\A[a-zA-Z0-9-]{1,128}\Z")
# Go's strconv.ParseBool, which Nomad's clients are written against.
# fmt: off
BOOL_WORDS = {
    "1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False,
}
# fmt: on


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def raw_body():
    """The request body as bytes, at most MAX_CONTENT_LENGTH of them (else 413).

    A chunked body has no Content-Length for Werkzeug to check up front, and
    past the limit it would quietly be cut short; so it is read here with
    one byte to spare, which tells a body at the limit from a longer one.
    """
    if "raw_body" not in g:
        if request.content_length is not None:
            g.raw_body = request.get_data(cache=True, parse_form_data=False)
        else:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            data = request.environ["wsgi.input"].read(limit + 1)
            if len(data) > limit:
                raise RequestEntityTooLarge()
            g.raw_body = data
    return g.raw_body


def json_body():
    """The body decoded as JSON, whatever its Content-Type says.

    Nomad's Go client sends no Content-Type, nomadpy sends form encoding and
    ``curl -d`` does too; all of them send JSON. Strings that could be
    stored but never sent back (a lone UTF-16 surrogate, a NUL, which
    PostgreSQL refuses) are refused here, for every body at once.
    """
    raw = raw_body()
    if not raw.strip():
        raise BadRequest("Request body is empty")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise BadRequest(f"request body is not UTF-8: {error}") from None
    except RecursionError:
        raise BadRequest("request body is nested too deeply") from None
    except ValueError as error:
        raise BadRequest(f"invalid JSON in request body: {error}") from None
    _check_strings(body)
    return body


def _check_strings(body):
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise BadRequest(f"request body has a NUL character in {_short(value)}")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest(
                    f"request body has a lone UTF-16 surrogate in {_short(value)}"
                ) from None


def _short(text):
    shown = ascii(text)
    return shown if len(shown) <= 40 else shown[:37] + "..."


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


def register_url_checks(app):
    @app.before_request
    def _refuse_nul_in_url():
        # No ID, name or filter may hold a NUL, and PostgreSQL cannot even
        # compare one: refuse it before any lookup.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            raise BadRequest("the URL has a NUL character (%00)")
