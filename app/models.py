"""The registry's tables.

The migrations under ``migrations/`` create these tables with frozen copies
of the models; a change here needs a new numbered migration too.
"""

import json

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import CompositeKey
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField

from app.db import database


class JSONField(TextField):
    """A JSON document in a text column, the same on every backend."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def python_value(self, value):
        if value is None:
            return None
        return json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class IndexRow(BaseModel):
    """The registry's index counters.

    The row named ``registry`` is the one counter that every write advances;
    each other row holds the registry index of the last change to one kind
    of object, which is what blocking reads of that kind compare against.
    """

    REGISTRY = "registry"

    name = CharField(primary_key=True, max_length=32)
    value = BigIntegerField()

    class Meta:
        table_name = "index_row"


class Namespace(BaseModel):
    name = CharField(primary_key=True, max_length=128)
    description = TextField(default="")
    create_index = BigIntegerField()
    modify_index = BigIntegerField()


class Volume(BaseModel):
    namespace = ForeignKeyField(
        Namespace, column_name="namespace", field=Namespace.name, on_delete="RESTRICT"
    )
    volume_id = CharField(max_length=128)
    name = CharField(max_length=256, default="")
    external_id = CharField(max_length=256, default="")
    plugin_id = CharField(max_length=128, index=True)
    # The first requested capability, kept in columns for the list.
    access_mode = CharField(max_length=32)
    attachment_mode = CharField(max_length=32)
    capabilities = JSONField()
    mount_options = JSONField(null=True)
    secrets = JSONField(null=True)
    parameters = JSONField(null=True)
    context = JSONField(null=True)
    topologies = JSONField(null=True)
    requested_topologies = JSONField(null=True)
    capacity = BigIntegerField(default=0)
    requested_capacity_min = BigIntegerField(default=0)
    requested_capacity_max = BigIntegerField(default=0)
    clone_id = CharField(max_length=256, default="")
    snapshot_id = CharField(max_length=256, default="")
    create_index = BigIntegerField()
    modify_index = BigIntegerField()
    create_time = BigIntegerField()
    modify_time = BigIntegerField()

    class Meta:
        indexes = ((("namespace", "volume_id"), True),)


class Allocation(BaseModel):
    """What the registry knows of an allocation that claims volumes."""

    alloc_id = CharField(primary_key=True, max_length=64)
    namespace = CharField(max_length=128)
    name = CharField(max_length=256, default="")
    node_id = CharField(max_length=64, index=True)
    job_id = CharField(max_length=256, default="")
    task_group = CharField(max_length=256, default="")
    desired_status = CharField(max_length=16, default="run")
    client_status = CharField(max_length=16, default="running")
    create_index = BigIntegerField()
    modify_index = BigIntegerField()
    create_time = BigIntegerField()
    modify_time = BigIntegerField()


class Claim(BaseModel):
    """One allocation's use of one volume."""

    volume = ForeignKeyField(Volume, on_delete="CASCADE", backref="claims")
    allocation = ForeignKeyField(
        Allocation, field=Allocation.alloc_id, on_delete="CASCADE", backref="claims"
    )
    mode = CharField(max_length=8)  # "read" or "write"
    access_mode = CharField(max_length=32)
    attachment_mode = CharField(max_length=32)

    class Meta:
        primary_key = CompositeKey("volume", "allocation")


class AclPolicy(BaseModel):
    name = CharField(primary_key=True, max_length=128)
    description = TextField(default="")
    rules = TextField()
    create_index = BigIntegerField()
    modify_index = BigIntegerField()


class AclToken(BaseModel):
    """A token. Its secret is never stored: only its SHA-256 digest is."""

    accessor_id = CharField(primary_key=True, max_length=36)
    secret_hash = CharField(max_length=64, unique=True)
    name = CharField(max_length=256, default="")
    type = CharField(max_length=16)  # "client" or "management"
    policies = JSONField()
    create_time = BigIntegerField()
    create_index = BigIntegerField()
    modify_index = BigIntegerField()


class Plugin(BaseModel):
    """What the registry has been told about a CSI plugin (SPEC §3)."""

    plugin_id = CharField(primary_key=True, max_length=128)
    provider = CharField(max_length=256, default="")
    version = CharField(max_length=64, default="")
    controller_required = BooleanField(default=False)
    controllers_healthy = IntegerField(default=0)
    controllers_expected = IntegerField(default=0)
    nodes_healthy = IntegerField(default=0)
    nodes_expected = IntegerField(default=0)
    create_index = BigIntegerField()
    modify_index = BigIntegerField()
    create_time = BigIntegerField()
    modify_time = BigIntegerField()
