"""The volume endpoints of Nomad's HTTP API (SPEC §2.2)."""

from flask import Blueprint
from flask import g
from flask import request

from app import indexes
from app.acl.decorator import requires
from app.blocking import Answer
from app.blocking import blocking_read
from app.encoding import empty_response
from app.encoding import json_response
from app.errors import BadRequest
from app.errors import NotFound
from app.http_input import check_stale
from app.http_input import json_body
from app.http_input import parse_bool
from app.http_input import query_namespace
from app.schemas import load_or_400
from app.volumes import claims
from app.volumes import store
from app.volumes.claim_schema import ClaimSchema
from app.volumes.register_body import register_namespaces
from app.volumes.register_body import register_specs

bp = Blueprint("volumes", __name__, url_prefix="/v1")

LIST_VOLUME = ("csi-list-volume", "csi-read-volume", "csi-mount-volume", "list-jobs")
READ_VOLUME = ("csi-read-volume", "csi-mount-volume", "read-job")
WRITE_VOLUME = ("csi-write-volume",)
_claim_schema = ClaimSchema()


def _list_namespaces():
    return [query_namespace(allow_wildcard=True)]


@bp.get("/volumes")
@requires(*LIST_VOLUME, namespaces=_list_namespaces)
def list_volumes():
    check_stale()
    kind = request.args.get("type")
    # No type and host volumes: the CLI asks for both and needs an empty list.
    if kind is None or kind == "host":
        g.index = indexes.current(indexes.VOLUMES)
        return json_response([])
    if kind != "csi":
        raise NotFound("resource not found")

    namespace = query_namespace(allow_wildcard=True)
    namespaces = g.get("visible_namespaces") if namespace == "*" else [namespace]
    filters = {
        "plugin_id": request.args.get("plugin_id"),
        "prefix": request.args.get("prefix"),
        "node_prefix": request.args.get("node_id"),
    }

    def read():
        index = indexes.current(indexes.VOLUMES)
        return Answer(index, store.list_stubs(namespaces, **filters))

    return blocking_read(indexes.VOLUMES, read).response()


@bp.route("/volumes", methods=["PUT", "POST"])
@requires(*WRITE_VOLUME, plugin="read", namespaces=register_namespaces)
def register_volumes():
    return _register()


@bp.put("/volume/csi/<volume_id>")
@requires(*WRITE_VOLUME, plugin="read", namespaces=register_namespaces)
def register_volume(volume_id):
    return _register()


def _register():
    index, rows = store.register(register_specs())
    g.index = index
    return json_response(
        {
            "Volumes": [store.view_of(row.namespace_id, row.volume_id) for row in rows],
            "Warnings": "",
            "Index": index,
            "LastContact": 0,
            "KnownLeader": True,
            "NextToken": "",
        }
    )


@bp.get("/volume/csi/<volume_id>")
@requires(*READ_VOLUME)
def read_volume(volume_id):
    check_stale()
    namespace = query_namespace()

    def read():
        volume = store.find_for_read(namespace, volume_id)
        if volume is None:
            return Answer(indexes.current(indexes.VOLUMES), error=NotFound("volume not found"))
        return Answer(volume.modify_index, store.volume_view(volume))

    return blocking_read(indexes.VOLUMES, read).response()


@bp.delete("/volume/csi/<volume_id>")
@requires(*WRITE_VOLUME)
def deregister_volume(volume_id):
    force = parse_bool("force", request.args.get("force"))
    g.index = store.deregister(query_namespace(), volume_id, force)
    return empty_response()


@bp.put("/volume/csi/<volume_id>/claim")
@requires("csi-mount-volume")
def claim_volume(volume_id):
    namespace = query_namespace()
    wanted = load_or_400(_claim_schema, json_body())
    if wanted["mode"] == "release":
        g.index = claims.release(namespace, volume_id, wanted["alloc_id"])
    else:
        g.index = claims.claim(namespace, volume_id, wanted)
    return json_response(store.view_of(namespace, volume_id))


@bp.delete("/volume/csi/<volume_id>/detach")
@requires("csi-mount-volume")
def detach_volume(volume_id):
    node = request.args.get("node")
    if not node:
        raise BadRequest("detach requires node ID")
    g.index = claims.detach(query_namespace(), volume_id, node)
    return empty_response()


@bp.route("/volume/csi/", methods=["GET", "PUT", "DELETE"])
@requires()
def missing_volume_id():
    raise BadRequest("missing volume ID")
