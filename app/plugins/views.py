"""CSI plugin records (SPEC §3): what the registry is told about each plugin."""

from flask import Blueprint
from flask import g
from flask import request

from app import indexes
from app.acl.decorator import requires
from app.blocking import Answer
from app.blocking import blocking_read
from app.db import now_ns
from app.db import write_transaction
from app.encoding import empty_response
from app.errors import BadRequest
from app.errors import NotFound
from app.http_input import json_body
from app.models import Plugin
from app.plugins.schemas import PluginSchema
from app.schemas import load_or_400
from app.volumes.schemas import ID_PATTERN
from app.volumes.schemas import ID_RULE
from app.volumes.store import list_stubs

bp = Blueprint("plugins", __name__, url_prefix="/v1")
_schema = PluginSchema()
WRITABLE = tuple(_schema.fields)


def plugin_stub(plugin):
    return {
        "ID": plugin.plugin_id,
        "Provider": plugin.provider,
        "ControllerRequired": plugin.controller_required,
        "ControllersHealthy": plugin.controllers_healthy,
        "ControllersExpected": plugin.controllers_expected,
        "NodesHealthy": plugin.nodes_healthy,
        "NodesExpected": plugin.nodes_expected,
        "CreateIndex": plugin.create_index,
        "ModifyIndex": plugin.modify_index,
    }


@bp.get("/plugins")
@requires(plugin="list")
def list_plugins():
    if request.args.get("type") != "csi":
        raise BadRequest("Invalid plugin type")

    def read():
        index = indexes.current(indexes.PLUGINS)
        plugins = Plugin.select().order_by(Plugin.plugin_id)
        return Answer(index, [plugin_stub(p) for p in plugins])

    return blocking_read(indexes.PLUGINS, read).response()


@bp.get("/plugin/csi/<plugin_id>")
@requires(plugin="read")
def read_plugin(plugin_id):
    # The volume stubs shown are those of namespaces the token may list.
    visible = g.acl.namespaces_allowing(("csi-list-volume", "csi-read-volume"))

    def read():
        plugin = Plugin.get_or_none(Plugin.plugin_id == plugin_id)
        if plugin is None:
            return Answer(indexes.current(indexes.PLUGINS), error=NotFound("plugin not found"))
        body = plugin_stub(plugin)
        body.update(
            Version=plugin.version,
            Controllers={},
            Nodes={},
            Allocations=[],
            CreateTime=plugin.create_time,
            ModifyTime=plugin.modify_time,
            Volumes=list_stubs(visible, plugin_id=plugin_id),
        )
        return Answer(plugin.modify_index, body)

    return blocking_read(indexes.PLUGINS, read).response()


@bp.put("/plugin/csi/<plugin_id>")
@requires(plugin="write")
def write_plugin(plugin_id):
    if not ID_PATTERN.match(plugin_id):
        raise BadRequest(f"invalid plugin id {plugin_id!r}: {ID_RULE}")
    data = load_or_400(_schema, json_body())
    with write_transaction():
        plugin = Plugin.get_or_none(Plugin.plugin_id == plugin_id)
        if plugin is not None and all(getattr(plugin, k) == data[k] for k in WRITABLE):
            g.index = plugin.modify_index
            return empty_response()
        index = g.index = indexes.advance(indexes.PLUGINS)
        stamp = now_ns()
        if plugin is None:
            Plugin.create(
                plugin_id=plugin_id,
                create_index=index,
                modify_index=index,
                create_time=stamp,
                modify_time=stamp,
                **data,
            )
        else:
            Plugin.update(modify_index=index, modify_time=stamp, **data).where(
                Plugin.plugin_id == plugin_id
            ).execute()
    return empty_response()


@bp.delete("/plugin/csi/<plugin_id>")
@requires(plugin="write")
def delete_plugin(plugin_id):
    with write_transaction():
        if not Plugin.delete().where(Plugin.plugin_id == plugin_id).execute():
            raise NotFound("plugin not found")
        g.index = indexes.advance(indexes.PLUGINS)
    return empty_response()
