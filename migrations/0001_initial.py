"""Index counters, namespaces, volumes, and the allocations that claim them."""

from peewee import BigIntegerField
from peewee import CharField
from peewee import CompositeKey
from peewee import ForeignKeyField
from peewee import Model
from peewee import TextField

# Every counter starts at 1: clients treat an X-Nomad-Index of 0 as "no index".
COUNTERS = ("registry", "volumes", "namespaces", "allocations")


def frozen_models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class IndexRow(Base):
        name = CharField(primary_key=True, max_length=32)
        value = BigIntegerField()

        class Meta:
            table_name = "index_row"

    class Namespace(Base):
        name = CharField(primary_key=True, max_length=128)
        description = TextField(default="")
        create_index = BigIntegerField()
        modify_index = BigIntegerField()

    class Volume(Base):
        namespace = ForeignKeyField(
            Namespace, column_name="namespace", field=Namespace.name, on_delete="RESTRICT"
        )
        volume_id = CharField(max_length=128)
        name = CharField(max_length=256, default="")
        external_id = CharField(max_length=256, default="")
        plugin_id = CharField(max_length=128, index=True)
        access_mode = CharField(max_length=32)
        attachment_mode = CharField(max_length=32)
        capabilities = TextField()
        mount_options = TextField(null=True)
        secrets = TextField(null=True)
        parameters = TextField(null=True)
        context = TextField(null=True)
        topologies = TextField(null=True)
        requested_topologies = TextField(null=True)
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

    class Allocation(Base):
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

    class Claim(Base):
        volume = ForeignKeyField(Volume, on_delete="CASCADE")
        allocation = ForeignKeyField(Allocation, field=Allocation.alloc_id, on_delete="CASCADE")
        mode = CharField(max_length=8)
        access_mode = CharField(max_length=32)
        attachment_mode = CharField(max_length=32)

        class Meta:
            primary_key = CompositeKey("volume", "allocation")

    return [IndexRow, Namespace, Volume, Allocation, Claim]


def up(migrator, db):
    index_row, namespace, *_ = models = frozen_models(db)
    db.create_tables(models)
    index_row.insert_many([(name, 1) for name in COUNTERS]).execute()
    namespace.create(
        name="default",
        description="Default shared namespace",
        create_index=1,
        modify_index=1,
    )


def down(migrator, db):
    db.drop_tables(list(reversed(frozen_models(db))))
