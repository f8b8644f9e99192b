"""Hand-written SQL for the hottest reads, kept portable.

Building a query with peewee costs more than running it on SQLite (a GET
of one volume spent two thirds of its time generating SQL), so the few
queries that every request runs are written out once here. They use only
standard SQL; the parameter marker, the one thing SQLite and PostgreSQL
spell differently, is filled in from the database (``?`` or ``%s``).
"""

from app.db import database

_rendered = {}


def render(template):
    """``template`` with each ``{p}`` turned into this database's parameter marker."""
    param = database.param
    key = (template, param)
    sql = _rendered.get(key)
    if sql is None:
        sql = _rendered[key] = template.replace("{p}", param)
    return sql


def fetch_one(template, *params):
    return database.execute_sql(render(template), params).fetchone()


def fetch_all(template, *params):
    return database.execute_sql(render(template), params).fetchall()
