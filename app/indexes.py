"""The registry index: one counter that every write advances (SPEC §1).

Each kind of object also records the index of its last change, which is
what a blocking read of that kind waits on.
"""

from app.models import IndexRow
from app.sql import fetch_one

VOLUMES = "volumes"
NAMESPACES = "namespaces"
ALLOCATIONS = "allocations"
ACL = "acl"
PLUGINS = "plugins"
# Present only once ACLs were bootstrapped: the index of the bootstrap.
ACL_BOOTSTRAP = "acl_bootstrap"


def current(name=IndexRow.REGISTRY):
    # Every request reads at least one counter: see app/sql.py for why by hand.
    return fetch_one("SELECT value FROM index_row WHERE name = {p}", name)[0]


def advance(*kinds):
    """Take the next registry index for a write that changes ``kinds``.

    Call inside ``write_transaction``: the counter moves in the same
    transaction as the write, so a rolled-back write leaves no gap behind.
    """
    IndexRow.update(value=IndexRow.value + 1).where(IndexRow.name == IndexRow.REGISTRY).execute()
    index = current()
    if kinds:
        IndexRow.update(value=index).where(IndexRow.name.in_(kinds)).execute()
    return index
