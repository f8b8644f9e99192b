"""Portable SQL that every backend shares."""

# All index counters, as (name, value) rows.
INDEXES_SQL = "SELECT name, value FROM index_row"
