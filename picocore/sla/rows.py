"""Writing many rows in one statement on PostgreSQL, where Django's bulk methods cost more than the writes.

Django's `bulk_update` builds a CASE per column whose cost grows with the square of the rows, and `bulk_create`
sends one placeholder per value: thousands of them cost more to parse and send than the insert takes. Here each
column is one array parameter, unnested by the database. Other databases get Django's bulk methods.
"""

import json
from collections.abc import Sequence
from typing import Any

from django.db import connections, models


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[models.Field[Any, Any]]:
    by_name = {column.name: column for column in model._meta.concrete_fields}
    return [by_name[name] for name in fields]


def _arrays(
    database: Any, columns: list[models.Field[Any, Any]], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """The unnest(…) of the rows' values (one sequence per row, in the columns' order), one typed array parameter
    per column, and those parameters."""
    arrays = ", ".join(f"%s::{column.db_type(database)}[]" for column in columns)
    params = [[column.get_db_prep_save(row[i], database) for row in rows] for i, column in enumerate(columns)]
    return f"unnest({arrays})", params


def update_rows(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write `fields` of saved `rows` in one statement (`UPDATE … FROM unnest(…)` on PostgreSQL)."""
    if not rows:
        return
    database = connections[model._default_manager.db]  # the connection itself: a proxy per value costs
    if database.vendor != "postgresql":
        model._default_manager.bulk_update(rows, fields)
        return
    assert model._meta.pk is not None
    columns = [model._meta.pk, *_columns(model, fields)]
    quoted = [database.ops.quote_name(str(column.column)) for column in columns]
    source, params = _arrays(database, columns, [[getattr(row, c.attname) for c in columns] for row in rows])
    assignments = ", ".join(f"{name} = v.{name}" for name in quoted[1:])
    table, pk, names = database.ops.quote_name(model._meta.db_table), quoted[0], ", ".join(quoted)
    # Only quoted names from the model's meta and placeholders go into the text; the values are parameters.
    sql = f"UPDATE {table} SET {assignments} FROM {source} AS v ({names}) WHERE {table}.{pk} = v.{pk}"  # noqa: S608
    with database.cursor() as cursor:
        cursor.execute(sql, params)


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert new rows given as values of `fields` in that order, without building model instances (the ids
    are left to the database and not read back), in one statement: COPY on PostgreSQL, where psycopg adapts the
    values in C (JSON values are written as `json.dumps` text, as the ORM stores them; the rest go in as they
    are: numbers, text, flags and aware datetimes)."""
    if not rows:
        return
    database = connections[model._default_manager.db]
    columns = _columns(model, fields)
    if database.vendor != "postgresql":
        attnames = [column.attname for column in columns]
        model._default_manager.bulk_create([model(**dict(zip(attnames, row, strict=True))) for row in rows])
        return
    names = ", ".join(database.ops.quote_name(str(column.column)) for column in columns)
    texts = [index for index, column in enumerate(columns) if isinstance(column, models.JSONField)]
    table = database.ops.quote_name(model._meta.db_table)
    with database.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            if texts:
                row = list(row)
                for index in texts:
                    row[index] = json.dumps(row[index], cls=columns[index].encoder)  # type: ignore[attr-defined]
            copy.write_row(row)


def create_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert new, unsaved `rows` and set their primary keys, in two statements on PostgreSQL: the ids drawn from
    the table's sequence (no lock: others go on drawing theirs), then COPY of every column, which psycopg adapts
    in C as it streams. The attributes go in as they are, without the fields' preparation: for models whose
    columns are numbers, text and aware datetimes (the SLA clocks). Other databases get `bulk_create`."""
    if not rows:
        return
    database = connections[model._default_manager.db]
    if database.vendor != "postgresql":
        model._default_manager.bulk_create(rows)
        return
    pk = model._meta.pk
    assert pk is not None
    columns = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    table = database.ops.quote_name(model._meta.db_table)
    names = ", ".join(database.ops.quote_name(str(column.column)) for column in columns)
    attnames = [column.attname for column in columns]
    with database.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        for row, (key,) in zip(rows, cursor.fetchall(), strict=True):
            setattr(row, pk.attname, key)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([getattr(row, attname) for attname in attnames])
    for row in rows:
        row._state.adding = False
        row._state.db = database.alias
