"""Portable SQL that every backend shares."""


def read_indexes(database):
    """All index counters as ``{name: value}``, on the calling thread's connection."""
    cursor = database.execute_sql("SELECT name, value FROM index_row")
    return dict(cursor.fetchall())
