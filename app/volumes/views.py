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
from app.http_input import parse_bool
from app.http_input import query_namespace
from app.volumes import store
from app.volumes.register_body import register_namespaces
from app.volumes.register_body import register_specs
from app.volumes.shapes import list_stub
from app.volumes.shapes import volume_body

bp = Blueprint("volumes", __name__, url_prefix="/v1")

LIST_VOLUME = ("csi-list-volume", "csi-read-volume", "csi-mount-volume", "list-jobs")
READ_VOLUME = ("csi-read-volume", "csi-mount-volume", "read-job")
WRITE_VOLUME = ("csi-write-volume",)


def _list_namespaces():
    return [query_namespace(allow_wildcard=True)]


@bp.get("/volumes")
@requires(*LIST_VOLUME, namespaces=_list_namespaces)
def list_volumes():
    check_stale()
    kind = request.args.get("type")
    g.index = indexes.current(indexes.VOLUMES)
    # No type and host volumes: the CLI asks for both and needs an empty list.
    if kind is None or kind == "host":
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
        rows = store.list_rows(namespaces, **filters)
        return Answer(index, [list_stub(row[1:]) for row in rows])

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
            "Volumes": [volume_body(row, store.claims_of(row)) for row in rows],
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
        volume = store.find(namespace, volume_id)
        if volume is None:
            return Answer(indexes.current(indexes.VOLUMES), error=NotFound("volume not found"))
        return Answer(volume.modify_index, volume_body(volume, store.claims_of(volume)))

    return blocking_read(indexes.VOLUMES, read).response()


@bp.delete("/volume/csi/<volume_id>")
@requires(*WRITE_VOLUME)
def deregister_volume(volume_id):
    force = parse_bool("force", request.args.get("force"))
    g.index = store.deregister(query_namespace(), volume_id, force)
    return empty_response()


@bp.route("/volume/csi/", methods=["GET", "PUT", "DELETE"])
def missing_volume_id():
    raise BadRequest("missing volume ID")
