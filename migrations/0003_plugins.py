"""CSI plugins, whose health makes their volumes schedulable."""

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import IntegerField
from peewee import Model


def frozen_models(db):
    class Plugin(Model):
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

        class Meta:
            database = db
            legacy_table_names = False

    return [Plugin]


def up(migrator, db):
    db.create_tables(frozen_models(db))
    db.execute_sql("INSERT INTO index_row (name, value) VALUES ('plugins', 1)")


def down(migrator, db):
    db.execute_sql("DELETE FROM index_row WHERE name = 'plugins'")
    db.drop_tables(frozen_models(db))
