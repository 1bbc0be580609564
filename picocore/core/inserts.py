"""Inserting one new row by an INSERT whose text is built once per model and database, not once per call.

`Model.save()` compiles its INSERT anew every time (the column list, the placeholders, the quoting: about a
third of a millisecond for a ticket's 30 columns), which on the customer's submission is paid for the ticket,
its first timeline entry and the form's token. `insert()` keeps the statement's text per model, database and
whether the primary key is given, and only turns the instance's values into parameters, exactly as the ORM does
(each field's `pre_save` and `get_db_prep_save`). It writes what `save(force_insert=True)` writes, sets the
primary key the database chose and marks the instance saved.

It is for plain models written by this project's services: it hands the instance to `save(force_insert=True)`
instead whenever the ORM would do more than one INSERT or something the text does not hold — a model with
save signal receivers (e.g. tracked reference data), a model with parents (multi-table inheritance), a value
that is an expression or a database default, or a database that cannot return the new key from its INSERT.
"""

import threading
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save


@dataclass(frozen=True)
class _Statement:
    sql: str
    fields: tuple[Field, ...]
    returns_key: bool  # the database chose the primary key: read it back


_statements: dict[tuple[type[Model], str, bool], _Statement] = {}
_statements_lock = threading.Lock()


def insert(instance: Model) -> None:
    """Insert `instance` as a new row, in the current transaction of its model's database; see the module."""
    model = type(instance)
    meta = model._meta
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    if (
        meta.parents
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or not connection.features.can_return_columns_from_insert
    ):
        instance.save(force_insert=True)
        return
    # What save() checks first: no reference to an unsaved object (the stubs do not list this method).
    instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    statement = _statement(model, alias, with_key=instance.pk is not None)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in statement.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        instance.save(force_insert=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, values)
        if statement.returns_key:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = alias


def _statement(model: type[Model], alias: str, *, with_key: bool) -> _Statement:
    cache_key = (model, alias, with_key)
    statement = _statements.get(cache_key)
    if statement is None:
        statement = _compile(model, alias, with_key=with_key)
        with _statements_lock:
            _statements[cache_key] = statement
    return statement


def _compile(model: type[Model], alias: str, *, with_key: bool) -> _Statement:
    connection = connections[alias]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = tuple(
        field for field in meta.local_concrete_fields if not field.generated and (with_key or field is not meta.pk)
    )
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Only the model's quoted table and column names and placeholders go into the text.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    returns_key = not with_key
    if returns_key:
        returning, _params = connection.ops.returning_columns([meta.pk])
        sql += " " + returning
    return _Statement(sql=sql, fields=fields, returns_key=returns_key)
