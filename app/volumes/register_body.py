"""Turning a register request into normalized volume specs (SPEC §2.3).

The result is cached on ``g``: the ACL decorator reads the namespaces from it
before the view runs, and the view writes exactly what was checked.
"""

from flask import g
from flask import request
from marshmallow import ValidationError

from app.errors import BadRequest
from app.http_input import NAMESPACE_NAME
from app.http_input import json_body
from app.http_input import query_namespace
from app.schemas import flatten_errors
from app.schemas import load_or_400
from app.volumes.schemas import RegisterRequestSchema
from app.volumes.schemas import VolumeSchema

_request_schema = RegisterRequestSchema()
_volume_schema = VolumeSchema()


def register_specs():
    """The volumes of this register request, validated, each with its namespace."""
    if "register_specs" not in g:
        g.register_specs = _parse(request.view_args.get("volume_id"))
    return g.register_specs


def register_namespaces():
    return sorted({spec["namespace"] for spec in register_specs()})


def _parse(path_id):
    body = json_body()
    if isinstance(body, dict) and not any(str(key).lower() == "volumes" for key in body):
        # The original volumes page shows a bare volume; take it as one.
        body = {"Volumes": [body]}
    if body is None:
        raise BadRequest("missing volume definition")
    if not isinstance(body, dict):
        raise BadRequest('request body must be an object: {"Volumes": [...]}')
    wrapper = load_or_400(_request_schema, body)

    raw_volumes = wrapper.get("volumes")
    if not raw_volumes or any(v is None for v in raw_volumes):
        raise BadRequest("missing volume definition")

    query_ns = request.args.get("namespace") and query_namespace()
    fallback = query_ns or wrapper.get("namespace") or "default"
    specs = []
    for position, raw in enumerate(raw_volumes):
        where = f"volume {position}: " if len(raw_volumes) > 1 else ""
        spec = _load_volume(raw, path_id, where)
        spec["namespace"] = spec["namespace"] or fallback
        if not NAMESPACE_NAME.match(spec["namespace"]):
            raise BadRequest(f"{where}invalid namespace {spec['namespace']!r}")
        specs.append(spec)
    _refuse_duplicates(specs)
    return specs


def _load_volume(raw, path_id, where):
    if not isinstance(raw, dict):
        raise BadRequest(f"{where}a volume must be a JSON object")
    if path_id is not None:
        raw = _with_path_id(raw, path_id)
    try:
        spec = _volume_schema.load(raw)
    except ValidationError as error:
        problems = ", ".join(flatten_errors(error.messages, raw))
        raise BadRequest(f"{where}validation: {problems}") from None
    if path_id is not None and spec["volume_id"] != path_id:
        raise BadRequest(
            f"{where}volume ID {spec['volume_id']!r} in the body does not match "
            f"{path_id!r} in the path"
        )
    return spec


def _with_path_id(raw, path_id):
    """An empty ID in the body takes the path's."""
    keys = [key for key in raw if str(key).lower() == "id"]
    if keys and raw[keys[-1]] not in (None, ""):
        return raw
    filled = {key: value for key, value in raw.items() if key not in keys}
    filled["ID"] = path_id
    return filled


def _refuse_duplicates(specs):
    seen = set()
    for spec in specs:
        key = (spec["namespace"], spec["volume_id"])
        if key in seen:
            raise BadRequest(
                f"volume {spec['volume_id']} appears twice in namespace {spec['namespace']}"
            )
        seen.add(key)
