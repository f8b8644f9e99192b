"""Claims: which allocation uses which volume, and the access-mode rules (SPEC §2.5).

Every change runs in one write transaction with the checks it makes, so two
claims racing for a single-writer volume from different processes (or hosts)
cannot both pass.
"""

from app import indexes
from app.db import now_ns
from app.db import write_transaction
from app.errors import BadRequest
from app.errors import Conflict
from app.errors import NotFound
from app.models import Allocation
from app.models import Claim
from app.volumes.shapes import TERMINAL_STATUSES
from app.volumes.store import claims_of
from app.volumes.store import drop_unclaimed_allocations
from app.volumes.store import find

SINGLE_NODE = ("single-node-reader-only", "single-node-writer")
ONE_WRITER = ("single-node-writer", "multi-node-single-writer")
MAX_CLAIM = "volume max claim reached"


def claim(namespace, volume_id, request):
    """Add or update the claim of ``request["alloc_id"]``; returns the index."""
    with write_transaction():
        volume = _volume_or_404(namespace, volume_id)
        capability = _claimed_capability(volume, request)
        others = [
            (c, a)
            for c, a in claims_of(volume)
            if a.alloc_id != request["alloc_id"] and a.client_status not in TERMINAL_STATUSES
        ]
        _check_rules(volume, request, capability, others)

        index = indexes.advance(indexes.VOLUMES, indexes.ALLOCATIONS)
        allocation = _upsert_allocation(namespace, request, index)
        Claim.insert(
            volume=volume,
            allocation=allocation,
            mode=request["mode"],
            access_mode=capability["AccessMode"],
            attachment_mode=capability["AttachmentMode"],
        ).on_conflict(
            conflict_target=[Claim.volume, Claim.allocation],
            update={
                Claim.mode: request["mode"],
                Claim.access_mode: capability["AccessMode"],
                Claim.attachment_mode: capability["AttachmentMode"],
            },
        ).execute()
        volume.access_mode = capability["AccessMode"]
        volume.attachment_mode = capability["AttachmentMode"]
        _touch(volume, index)
        return index


def release(namespace, volume_id, alloc_id):
    """Remove one allocation's claim; a claim that is not there changes nothing.

    Returns the index.
    """
    with write_transaction():
        volume = _volume_or_404(namespace, volume_id)
        gone = (
            Claim.delete()
            .where((Claim.volume == volume) & (Claim.allocation == alloc_id))
            .execute()
        )
        if not gone:
            return volume.modify_index
        return _after_release(volume, [alloc_id])


def detach(namespace, volume_id, node_id):
    """Release every claim that allocations on exactly ``node_id`` hold on the volume."""
    with write_transaction():
        volume = _volume_or_404(namespace, volume_id)
        on_node = [a.alloc_id for c, a in claims_of(volume) if a.node_id == node_id]
        if not on_node:
            return volume.modify_index
        Claim.delete().where((Claim.volume == volume) & (Claim.allocation.in_(on_node))).execute()
        return _after_release(volume, on_node)


def _volume_or_404(namespace, volume_id):
    volume = find(namespace, volume_id)
    if volume is None:
        raise NotFound(f"volume not found: {volume_id}")
    return volume


def _claimed_capability(volume, request):
    if request["access_mode"] is None:
        return volume.capabilities[0]
    wanted = {"AccessMode": request["access_mode"], "AttachmentMode": request["attachment_mode"]}
    if wanted not in volume.capabilities:
        offered = ", ".join(f"{c['AccessMode']}/{c['AttachmentMode']}" for c in volume.capabilities)
        raise BadRequest(
            f"volume {volume.volume_id} has no capability "
            f"{wanted['AccessMode']}/{wanted['AttachmentMode']} (it offers {offered})"
        )
    return wanted


def _check_rules(volume, request, capability, others):
    """Refuse a claim that the access mode in use does not allow; Conflict says why."""
    mode, access = request["mode"], capability["AccessMode"]
    if others:
        in_use = (others[0][0].access_mode, others[0][0].attachment_mode)
        if in_use != (capability["AccessMode"], capability["AttachmentMode"]):
            raise Conflict(f"{MAX_CLAIM}: the volume is in use as {in_use[0]}/{in_use[1]}")
    if mode == "write" and access.endswith("-reader-only"):
        raise Conflict(f"{MAX_CLAIM}: {access} takes no writers")
    if access in SINGLE_NODE:
        elsewhere = [a for _, a in others if a.node_id != request["node_id"]]
        if elsewhere:
            raise Conflict(
                f"{MAX_CLAIM}: {access} keeps every claim on one node, and allocation "
                f"{elsewhere[0].alloc_id} holds it on node {elsewhere[0].node_id}"
            )
    if mode == "write" and access in ONE_WRITER:
        writers = [a for c, a in others if c.mode == "write"]
        if writers:
            raise Conflict(
                f"{MAX_CLAIM}: {access} allows one writer, and allocation "
                f"{writers[0].alloc_id} on node {writers[0].node_id} is writing"
            )


def _upsert_allocation(namespace, request, index):
    stamp = now_ns()
    fields = {
        "name": request["name"],
        "job_id": request["job_id"],
        "task_group": request["task_group"],
        "client_status": request["client_status"],
        "desired_status": "stop" if request["client_status"] in TERMINAL_STATUSES else "run",
        "modify_index": index,
        "modify_time": stamp,
    }
    allocation = Allocation.get_or_none(Allocation.alloc_id == request["alloc_id"])
    if allocation is None:
        return Allocation.create(
            alloc_id=request["alloc_id"],
            namespace=namespace,
            node_id=request["node_id"],
            create_index=index,
            create_time=stamp,
            **fields,
        )
    if (allocation.node_id, allocation.namespace) != (request["node_id"], namespace):
        # Said without naming where it does run: that may be a namespace the
        # caller has no rights in.
        raise Conflict(
            f"allocation {allocation.alloc_id} already claims volumes from another node or "
            "namespace; an allocation never moves"
        )
    if (
        allocation.client_status in TERMINAL_STATUSES
        and request["client_status"] not in TERMINAL_STATUSES
    ):
        # A finished allocation's claims stop counting against the access
        # modes of every volume it claims; letting it run again would bring
        # them back unchecked on all the others.
        raise Conflict(
            f"allocation {allocation.alloc_id} is {allocation.client_status}; "
            "a finished allocation cannot run again"
        )
    for name, value in fields.items():
        setattr(allocation, name, value)
    allocation.save()
    return allocation


def _after_release(volume, alloc_ids):
    index = indexes.advance(indexes.VOLUMES, indexes.ALLOCATIONS)
    drop_unclaimed_allocations(alloc_ids)
    if not Claim.select().where(Claim.volume == volume).exists():
        # The first claim fixed the modes; with the last gone they follow the
        # volume's capabilities again.
        first = volume.capabilities[0]
        volume.access_mode, volume.attachment_mode = first["AccessMode"], first["AttachmentMode"]
    _touch(volume, index)
    return index


def _touch(volume, index):
    volume.modify_index, volume.modify_time = index, now_ns()
    volume.save()
