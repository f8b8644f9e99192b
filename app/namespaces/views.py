"""Nomad's namespace endpoints (SPEC §4)."""

from flask import Blueprint
from flask import g

from app import indexes
from app.acl.decorator import requires
from app.blocking import Answer
from app.blocking import blocking_read
from app.db import write_transaction
from app.encoding import empty_response
from app.errors import BadRequest
from app.errors import Conflict
from app.errors import Forbidden
from app.errors import NotFound
from app.http_input import NAMESPACE_NAME
from app.http_input import json_body
from app.models import Namespace
from app.models import Volume
from app.namespaces.schemas import NamespaceSchema
from app.schemas import load_or_400

bp = Blueprint("namespaces", __name__, url_prefix="/v1")
_schema = NamespaceSchema()


def namespace_body(ns):
    return {
        "Name": ns.name,
        "Description": ns.description,
        "Quota": "",
        "Capabilities": None,
        "Meta": None,
        "CreateIndex": ns.create_index,
        "ModifyIndex": ns.modify_index,
    }


@bp.get("/namespaces")
@requires()
def list_namespaces():
    acl = g.acl

    def read():
        index = indexes.current(indexes.NAMESPACES)
        visible = [ns for ns in Namespace.select().order_by(Namespace.name) if acl.can_see(ns.name)]
        return Answer(index, [namespace_body(ns) for ns in visible])

    return blocking_read(indexes.NAMESPACES, read).response()


@bp.get("/namespace/<name>")
@requires()
def read_namespace(name):
    if not g.acl.can_see(name):
        raise Forbidden("Permission denied")

    def read():
        ns = Namespace.get_or_none(Namespace.name == name)
        if ns is None:
            return Answer(
                indexes.current(indexes.NAMESPACES), error=NotFound("namespace not found")
            )
        return Answer(ns.modify_index, namespace_body(ns))

    return blocking_read(indexes.NAMESPACES, read).response()


@bp.route("/namespace", methods=["PUT", "POST"])
@bp.route("/namespace/<name>", methods=["PUT", "POST"])
@requires(management=True)
def write_namespace(name=None):
    data = load_or_400(_schema, json_body())
    given = data.get("name") or ""
    if name is not None and given and given != name:
        raise BadRequest(
            f"namespace name {given!r} in the body does not match {name!r} in the path"
        )
    name = name or given
    if not name:
        raise BadRequest("missing namespace name")
    if not NAMESPACE_NAME.match(name):
        raise BadRequest(
            f"invalid namespace name {name!r}: use 1 to 128 letters, digits and dashes"
        )

    description = data.get("description") or ""
    with write_transaction():
        ns = Namespace.get_or_none(Namespace.name == name)
        if ns is not None and ns.description == description:
            g.index = ns.modify_index
            return empty_response()
        index = indexes.advance(indexes.NAMESPACES)
        if ns is None:
            Namespace.create(
                name=name, description=description, create_index=index, modify_index=index
            )
        else:
            ns.description, ns.modify_index = description, index
            ns.save()
    g.index = index
    return empty_response()


@bp.delete("/namespace/<name>")
@requires(management=True)
def delete_namespace(name):
    if name == "default":
        raise BadRequest("default namespace can not be deleted")
    with write_transaction():
        ns = Namespace.get_or_none(Namespace.name == name)
        if ns is None:
            raise NotFound(f"namespace not found: {name}")
        volume = Volume.select(Volume.volume_id).where(Volume.namespace == name).first()
        if volume is not None:
            raise Conflict(
                f"namespace {name!r} has non-terminal CSI volumes: {volume.volume_id} and "
                "possibly others; deregister them first"
            )
        ns.delete_instance()
        g.index = indexes.advance(indexes.NAMESPACES)
    return empty_response()
