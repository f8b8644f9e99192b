"""ACL policies and tokens, and the counter their blocking reads and caches watch."""

from peewee import BigIntegerField
from peewee import CharField
from peewee import Model
from peewee import TextField


def frozen_models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AclPolicy(Base):
        name = CharField(primary_key=True, max_length=128)
        description = TextField(default="")
        rules = TextField()
        create_index = BigIntegerField()
        modify_index = BigIntegerField()

    class AclToken(Base):
        accessor_id = CharField(primary_key=True, max_length=36)
        secret_hash = CharField(max_length=64, unique=True)
        name = CharField(max_length=256, default="")
        type = CharField(max_length=16)
        policies = TextField()
        create_time = BigIntegerField()
        create_index = BigIntegerField()
        modify_index = BigIntegerField()

    return [AclPolicy, AclToken]


def up(migrator, db):
    db.create_tables(frozen_models(db))
    db.execute_sql("INSERT INTO index_row (name, value) VALUES ('acl', 1)")


def down(migrator, db):
    db.execute_sql("DELETE FROM index_row WHERE name IN ('acl', 'acl_bootstrap')")
    db.drop_tables(list(reversed(frozen_models(db))))
