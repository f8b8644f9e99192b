"""Reading and writing volumes. Every write runs in one write transaction."""

from collections import namedtuple

from peewee import JOIN
from peewee import Case
from peewee import fn

from app import indexes
from app.db import now_ns
from app.db import write_transaction
from app.errors import BadRequest
from app.errors import Conflict
from app.errors import NotFound
from app.models import Allocation
from app.models import Claim
from app.models import JSONField
from app.models import Namespace
from app.models import Plugin
from app.models import Volume
from app.sql import fetch_all
from app.sql import fetch_one
from app.volumes.shapes import ALLOCATION_COLUMNS
from app.volumes.shapes import PLUGIN_COLUMNS
from app.volumes.shapes import STUB_COLUMNS
from app.volumes.shapes import TERMINAL_STATUSES
from app.volumes.shapes import list_stub
from app.volumes.shapes import plugin_fields
from app.volumes.shapes import volume_body

# Fields fixed at the first register (SPEC §2.3), with Nomad's names for them.
IMMUTABLE = (
    ("name", "name"),
    ("external_id", "external ID"),
    ("plugin_id", "plugin ID"),
    ("parameters", "parameters"),
    ("clone_id", "clone ID"),
    ("snapshot_id", "snapshot ID"),
)
MUTABLE = (
    "capabilities",
    "mount_options",
    "secrets",
    "context",
    "topologies",
    "requested_topologies",
    "capacity",
    "requested_capacity_min",
    "requested_capacity_max",
)


# The one read behind every GET of a volume and every write to one: the
# volume, how many claims it has and its plugin's columns, in one query.
FIND_VOLUME = (
    "SELECT "
    + ", ".join(f"volume.{field.column_name}" for field in Volume._meta.sorted_fields)
    + ", (SELECT COUNT(*) FROM claim WHERE claim.volume_id = volume.id) AS claim_count, "
    + ", ".join(f"plugin.{name} AS plugin_{name}" for name in PLUGIN_COLUMNS)
    + " FROM volume LEFT JOIN plugin ON plugin.plugin_id = volume.plugin_id"
    " WHERE volume.namespace = {p} AND volume.volume_id = {p}"
)
CLAIMS_OF = (
    "SELECT claim.mode, claim.access_mode, claim.attachment_mode, "
    + ", ".join(f"allocation.{name}" for name in ALLOCATION_COLUMNS)
    + " FROM claim JOIN allocation ON allocation.alloc_id = claim.allocation_id"
    " WHERE claim.volume_id = {p} ORDER BY claim.mode DESC, allocation.alloc_id"
)


class ClaimRow(namedtuple("ClaimRow", "mode access_mode attachment_mode")):
    """One claim, as the checks and the shapes read it."""


class AllocationRow(namedtuple("AllocationRow", ALLOCATION_COLUMNS)):
    """The claiming allocation, as the checks and the shapes read it."""


_FIELDS = Volume._meta.sorted_fields
# Reads see the stored volume as a plain row: building a model instance
# costs as much as the query. Secrets are never decoded on the way out.
_READ_CONVERTERS = [
    field.python_value if isinstance(field, JSONField) and field.name != "secrets" else None
    for field in _FIELDS
]


class VolumeRow(
    namedtuple(
        "VolumeRow",
        [field.object_id_name if field.name == "namespace" else field.name for field in _FIELDS]
        + ["claim_count", "plugin_values"],
    )
):
    """A stored volume as ``find_for_read`` returns it, for the shapes to read."""


def find(namespace, volume_id):
    """The volume with exactly this ID in this namespace, as a model to change; or None.

    The instance also carries ``claim_count`` and ``plugin_values`` (its
    plugin's ``PLUGIN_COLUMNS``), which ``volume_view`` reads.
    """
    row = fetch_one(FIND_VOLUME, namespace, volume_id)
    if row is None:
        return None
    volume = Volume(**{f.name: f.python_value(v) for f, v in zip(_FIELDS, row, strict=False)})
    volume.claim_count = row[len(_FIELDS)]
    volume.plugin_values = row[len(_FIELDS) + 1 :]
    return volume


def find_for_read(namespace, volume_id):
    """Like ``find``, as a read-only VolumeRow."""
    row = fetch_one(FIND_VOLUME, namespace, volume_id)
    if row is None:
        return None
    width = len(_FIELDS)
    values = [
        convert(value) if convert and value is not None else value
        for convert, value in zip(_READ_CONVERTERS, row, strict=False)
    ]
    return VolumeRow(*values, row[width], row[width + 1 :])


def claims_of(volume):
    """The volume's claims as (ClaimRow, AllocationRow) pairs, writers first."""
    if getattr(volume, "claim_count", None) == 0:
        return []
    return [
        (ClaimRow(*row[:3]), AllocationRow(*row[3:])) for row in fetch_all(CLAIMS_OF, volume.id)
    ]


def list_stubs(namespaces, plugin_id=None, prefix=None, node_prefix=None):
    """List stubs of the matching volumes, ordered by namespace then ID.

    One query: claim counts and plugin health come from joins, not from a
    query per volume. ``namespaces`` is a list of names, or None for all.
    """
    counts = (
        Claim.select(
            Claim.volume.alias("vid"),
            fn.SUM(Case(None, [(Claim.mode == "read", 1)], 0)).alias("readers"),
            fn.SUM(Case(None, [(Claim.mode == "write", 1)], 0)).alias("writers"),
        )
        .group_by(Claim.volume)
        .alias("counts")
    )
    columns = [getattr(Volume, name) for name in STUB_COLUMNS]
    columns[STUB_COLUMNS.index("namespace")] = Volume.namespace.column  # the name, not a join
    query = (
        Volume.select(
            *columns,
            fn.COALESCE(counts.c.readers, 0),
            fn.COALESCE(counts.c.writers, 0),
            *[getattr(Plugin, name) for name in PLUGIN_COLUMNS],
        )
        .join(counts, JOIN.LEFT_OUTER, on=(counts.c.vid == Volume.id))
        .switch(Volume)
        .join(Plugin, JOIN.LEFT_OUTER, on=(Plugin.plugin_id == Volume.plugin_id))
    )
    if namespaces is not None:
        query = query.where(Volume.namespace.in_(namespaces))
    if plugin_id:
        query = query.where(Volume.plugin_id == plugin_id)
    if prefix:
        query = query.where(fn.SUBSTR(Volume.volume_id, 1, len(prefix)) == prefix)
    if node_prefix:
        query = query.where(Volume.id.in_(_claimed_on_nodes(node_prefix)))

    width = len(STUB_COLUMNS)
    plugins = {}  # one plugin's fields serve all its volumes
    stubs = []
    for row in query.order_by(Volume.namespace, Volume.volume_id).tuples():
        plugin_values = row[width + 2 :]
        plugin = plugins.get(plugin_values)
        if plugin is None:
            plugin = plugins[plugin_values] = plugin_fields(plugin_values)
        stubs.append(list_stub(row[:width], row[width], row[width + 1], plugin))
    return stubs


def _claimed_on_nodes(node_prefix):
    """Volumes with a live claim on a node whose ID starts so, in any case."""
    node = fn.LOWER(Allocation.node_id)
    return (
        Claim.select(Claim.volume)
        .join(Allocation)
        .where(
            (fn.SUBSTR(node, 1, len(node_prefix)) == node_prefix.lower())
            & (Allocation.client_status.not_in(TERMINAL_STATUSES))
        )
    )


def view_of(namespace, volume_id):
    """The GET shape of a stored volume, read anew (after a write, say)."""
    return volume_view(find_for_read(namespace, volume_id))


def volume_view(volume):
    """The GET shape of a volume that ``find`` returned."""
    return volume_body(volume, claims_of(volume), plugin_fields(volume.plugin_values))


def register(volumes):
    """Create or update ``volumes`` (normalized dicts), all or nothing.

    Returns ``(index, rows)``. Raises BadRequest for a namespace that does not
    exist and Conflict for a change the rules of SPEC §2.3 refuse.
    """
    with write_transaction():
        _check_namespaces(volumes)
        existing = _existing(volumes)
        plan = [
            _plan(spec, existing.get((spec["namespace"], spec["volume_id"]))) for spec in volumes
        ]
        if not any(plan):
            # Identical content: a no-op that still answers, indexes unchanged.
            rows = [existing[(s["namespace"], s["volume_id"])] for s in volumes]
            return max(row.modify_index for row in rows), rows

        index = indexes.advance(indexes.VOLUMES)
        stamp = now_ns()
        rows = []
        for spec, step in zip(volumes, plan, strict=True):
            if step is None:
                rows.append(existing[(spec["namespace"], spec["volume_id"])])
            elif step[0] == "insert":
                rows.append(
                    Volume.create(
                        **_columns(spec),
                        create_index=index,
                        modify_index=index,
                        create_time=stamp,
                        modify_time=stamp,
                    )
                )
            else:
                rows.append(_update(step[1], spec, index, stamp))
        return index, rows


def deregister(namespace, volume_id, force):
    """Delete a volume and its claims; returns the index of the delete.

    Raises NotFound, or Conflict naming the claims that block it.
    """
    with write_transaction():
        volume = find(namespace, volume_id)
        if volume is None:
            raise NotFound(f"volume not found: {volume_id}")
        claims = claims_of(volume)
        live = [pair for pair in claims if pair[1].client_status not in TERMINAL_STATUSES]
        if claims and (not force or live):
            raise Conflict(in_use_message(volume_id, live if force else claims))
        Claim.delete().where(Claim.volume == volume).execute()
        drop_unclaimed_allocations([alloc.alloc_id for _, alloc in claims])
        volume.delete_instance()
        return indexes.advance(indexes.VOLUMES)


def drop_unclaimed_allocations(alloc_ids):
    """An allocation record lives only as long as it claims something."""
    if alloc_ids:
        unclaimed = Allocation.alloc_id.not_in(Claim.select(Claim.allocation))
        Allocation.delete().where(Allocation.alloc_id.in_(alloc_ids) & unclaimed).execute()


def in_use_message(volume_id, claims):
    details = "; ".join(
        f"allocation {alloc.alloc_id} on node {alloc.node_id} ({claim.mode}, {alloc.client_status})"
        for claim, alloc in claims
    )
    return f"volume in use: {volume_id}: claimed by {details}"


def _update(row, spec, index, stamp):
    for name in MUTABLE:
        setattr(row, name, spec[name])
    # The top-level modes follow the claims while there are any.
    if not Claim.select().where(Claim.volume == row).exists():
        row.access_mode, row.attachment_mode = spec["access_mode"], spec["attachment_mode"]
    row.modify_index, row.modify_time = index, stamp
    row.save()
    return row


def _columns(spec):
    return {
        "namespace": spec["namespace"],
        "volume_id": spec["volume_id"],
        "access_mode": spec["access_mode"],
        "attachment_mode": spec["attachment_mode"],
        **{name: spec[name] for name, _ in IMMUTABLE},
        **{name: spec[name] for name in MUTABLE},
    }


def _check_namespaces(volumes):
    wanted = {spec["namespace"] for spec in volumes}
    found = {ns.name for ns in Namespace.select(Namespace.name).where(Namespace.name.in_(wanted))}
    for spec in volumes:
        if spec["namespace"] not in found:
            raise BadRequest(
                f"volume {spec['volume_id']} is in nonexistent namespace {spec['namespace']}"
            )


# Volume IDs looked up per query; well under every backend's parameter limit.
LOOKUP_BATCH = 500


def _existing(volumes):
    """The stored volumes among ``volumes``, keyed by (namespace, ID).

    A few queries per namespace rather than one per volume: a bulk register
    of thousands runs this inside its write transaction.
    """
    wanted = {}
    for spec in volumes:
        wanted.setdefault(spec["namespace"], []).append(spec["volume_id"])
    found = {}
    for namespace, ids in wanted.items():
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            query = Volume.select().where(
                (Volume.namespace == namespace) & Volume.volume_id.in_(batch)
            )
            for row in query:
                found[(namespace, row.volume_id)] = row
    return found


def _plan(spec, row):
    """What register does with one volume: None when nothing changes."""
    if spec["secrets"] is None:
        # A body without secrets (a GET's output sent back, say) keeps them.
        spec["secrets"] = row.secrets if row is not None else None
    spec["secrets"] = spec["secrets"] or None
    if row is None:
        return ("insert", None)
    for name, label in IMMUTABLE:
        if getattr(row, name) != spec[name]:
            raise Conflict(f"volume {label} cannot be updated: {spec['volume_id']}")
    if all(getattr(row, name) == spec[name] for name in MUTABLE):
        return None
    _check_in_use_update(row, spec)
    return ("update", row)


def _check_in_use_update(row, spec):
    claims = list(Claim.select().where(Claim.volume == row))
    if not claims:
        return
    if row.mount_options != spec["mount_options"]:
        raise Conflict(f"volume mount options cannot be updated while in use: {row.volume_id}")
    # Every mode a claim holds, finished or not, must stay on offer.
    for claim in claims:
        in_use = {"AccessMode": claim.access_mode, "AttachmentMode": claim.attachment_mode}
        if in_use not in spec["capabilities"]:
            raise Conflict(
                f"volume capabilities cannot be updated while in use: {row.volume_id} is "
                f"claimed as {claim.access_mode}/{claim.attachment_mode}"
            )
