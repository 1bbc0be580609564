"""Bulk loading of plain rows for `picocore seed`: COPY on PostgreSQL, one `executemany` on SQLite.

The rows are tuples of Python values in the order of a `Table`'s columns (ints, str, bool, None, aware UTC
datetimes, dates, JSON already dumped to text as the ORM stores it). No model instance is made per row and no
field conversion runs per value: the columns a load does not fill get their model default, prepared once.
Must run inside the transaction that owns the rows.
"""

import datetime as dt
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models


@dataclass(frozen=True)
class Table:
    """Where rows go: the table, the columns each row gives (in order) and the prepared defaults of the rest."""

    name: str
    columns: tuple[str, ...]
    default_columns: tuple[str, ...]
    defaults: tuple[object, ...]
    datetimes: tuple[int, ...]  # positions of the datetime columns in a row, converted for SQLite

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns + self.default_columns


def table(model: type[models.Model], fields: Sequence[str]) -> Table:
    """The load plan for `model` when each row gives `fields` (names or attnames). Every other concrete column
    gets its default (or NULL); an auto primary key left out is numbered by the database. Refuses a model
    with a required column that neither the rows nor a default fill, rather than failing row by row."""
    given = [_concrete(model, name) for name in fields]
    rest: list[tuple[str, object]] = []
    for field in model._meta.concrete_fields:
        if field in given or getattr(field, "generated", False):
            continue
        if field.primary_key and isinstance(field, models.AutoField):
            continue
        if field.has_default():
            rest.append((_column(field), field.get_db_prep_save(field.get_default(), connection)))
        elif field.null:
            rest.append((_column(field), None))
        else:
            raise ValueError(f"{model._meta.label}.{field.name} has no default: the seed must give it.")
    columns = tuple(_column(field) for field in given)
    datetimes = tuple(index for index, field in enumerate(given) if isinstance(field, models.DateTimeField))
    return Table(
        name=model._meta.db_table,
        columns=columns,
        default_columns=tuple(column for column, _ in rest),
        defaults=tuple(value for _, value in rest),
        datetimes=datetimes,
    )


def _concrete(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model._meta.label}.{name} is not a column.")
    return field


def _column(field: models.Field) -> str:
    assert field.column is not None  # a concrete field has one
    return field.column


def reserve_ids(model: type[models.Model], count: int) -> range:
    """`count` new consecutive primary keys of `model` that no other writer can take. On PostgreSQL the
    sequence is moved past them (setval) under a lock that holds back other inserts into the table until the
    loading transaction ends, so nobody draws a number in between; on SQLite they follow the highest ever
    used (the caller holds the database's write lock)."""
    if not count:
        return range(0)
    name = model._meta.db_table
    column = _column(model._meta.pk)
    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {quoted(name)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(q.s, nextval(q.s) + %s - 1) "
                "FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS s) q",
                [count, name, column],
            )
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        highest = f"SELECT MAX({quoted(column)}) FROM {quoted(name)}"  # noqa: S608 (quoted names)
        cursor.execute(
            f"SELECT MAX(COALESCE(({highest}), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",  # noqa: S608
            [name],
        )
        last = cursor.fetchone()[0]
    return range(last + 1, last + 1 + count)


def lock_referenced(rows: Mapping[type[models.Model], Iterable[int]]) -> None:
    """Key-share lock the rows (by model, their primary keys) that the loaded rows will refer to, as the
    foreign-key triggers would, so that none can be deleted before the load commits; but once per row instead
    of once per reference. Raises IntegrityError if one is missing. For loads that skip the row triggers."""
    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, ids in rows.items():
            wanted = sorted(set(ids))
            table, key = quoted(model._meta.db_table), quoted(_column(model._meta.pk))
            cursor.execute(f"SELECT {key} FROM {table} WHERE {key} = ANY(%s) FOR KEY SHARE", [wanted])  # noqa: S608
            if len(cursor.fetchall()) != len(wanted):
                raise IntegrityError(f"A row of {model._meta.db_table} to refer to does not exist (any more).")


def estimated_rows(model: type[models.Model]) -> int:
    """The planner's estimate of the table's rows on PostgreSQL (no count over the table); 0 elsewhere."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def write(target: Table, rows: Iterable[tuple]) -> None:
    """Insert `rows` (each giving `target.columns`) in one statement: COPY FROM STDIN on PostgreSQL, where
    psycopg adapts the values in C as it streams them; executemany on SQLite."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        _copy(connection.connection, target, rows)
        return
    quoted = connection.ops.quote_name
    columns = ", ".join(quoted(column) for column in target.all_columns)
    placeholders = ", ".join(["%s"] * len(target.all_columns))
    sql = f"INSERT INTO {quoted(target.name)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (quoted names)
    with connection.cursor() as cursor:
        cursor.executemany(sql, _for_sqlite(rows, target.datetimes, target.defaults))  # type: ignore[arg-type]


def _copy(raw: Any, target: Table, rows: Iterable[tuple]) -> None:
    """COPY `rows` into `target` over `raw`, the psycopg connection of the loading transaction."""
    quoted = connection.ops.quote_name
    columns = ", ".join(quoted(column) for column in target.all_columns)
    defaults = target.defaults
    with raw.cursor() as cursor, cursor.copy(f"COPY {quoted(target.name)} ({columns}) FROM STDIN") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row + defaults)


class Writer:
    """Writes batches of rows (`put`: one or more tables' rows, each `write` statement after the other) while the
    caller goes on generating the next batch. On PostgreSQL a thread of its own streams each batch by COPY over
    the loading transaction's connection, so the server inserts one batch while Python builds the next (psycopg
    waits on the socket without the GIL); at most one batch waits in line. Elsewhere each batch is written when
    it is put. Use it as a context manager inside the loading transaction, and send nothing else over the
    connection meanwhile: leaving the block waits for every batch and re-raises the first failure of the
    writes, so the transaction rolls back with it; a failure of the caller stops the writes after the batch in
    hand."""

    _DONE = object()

    def __init__(self) -> None:
        self._background = connection.vendor == "postgresql"
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Writer":
        if self._background:
            if not connection.in_atomic_block:
                raise RuntimeError("A background writer must run inside the loading transaction.")
            connection.ensure_connection()
            self._thread = threading.Thread(target=self._run, args=(connection.connection,), daemon=True)
            self._thread.start()
        return self

    def _run(self, raw: Any) -> None:
        while (batch := self._queue.get()) is not self._DONE:
            if self._failure is None:  # after a failure, only drain the line so that `put` never blocks
                try:
                    for target, rows in batch:
                        _copy(raw, target, rows)
                except BaseException as error:  # handed to the caller's thread
                    self._failure = error

    def put(self, *tables: tuple[Table, Sequence[tuple]]) -> None:
        """Write these (table, rows) pairs, in order, after the batches put before."""
        if not self._background:
            for target, rows in tables:
                write(target, rows)
            return
        self._raise()
        self._queue.put(tables)

    def _raise(self) -> None:
        if self._failure is not None:
            raise self._failure

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if self._thread is None:
            return
        self._queue.put(self._DONE)
        self._thread.join()
        if error is None:
            self._raise()


def _for_sqlite(rows: Iterable[tuple], datetimes: tuple[int, ...], defaults: tuple) -> Iterable[tuple]:
    """Datetimes as Django stores them in SQLite (naive UTC text); dates and the rest adapt as they are."""
    for row in rows:
        values = list(row)
        for index in datetimes:
            value = values[index]
            if value is not None:
                values[index] = str(value.astimezone(dt.UTC).replace(tzinfo=None))
        yield (*values, *defaults)


def skip_row_triggers(*models: type[models.Model]) -> bool:
    """On PostgreSQL, when the role may (a superuser, as in development and the benchmarks) and the tables of
    `models` have no triggers but the foreign keys' own: let this transaction's rows skip the triggers, as
    pg_restore's --disable-triggers does. Returns whether they are skipped; the caller then owes what they did:
    `lock_referenced` for the foreign keys. A table with a trigger of its own (one that keeps counts, say) keeps
    every trigger, so nothing it maintains goes stale, unless that trigger fires always (`ENABLE ALWAYS
    TRIGGER`, as the ticket tallies' do): those fire under `session_replication_role = replica` as well.

    The deferred foreign-key triggers cost more than the load itself: at commit, one lookup and one row lock of
    the referenced row per reference (ten per ticket with its timeline)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('session_replication_role', 'replica', true) "
            "WHERE current_setting('is_superuser') = 'on' AND NOT EXISTS (SELECT 1 FROM pg_trigger "
            "WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal AND tgenabled <> 'A')",
            [[model._meta.db_table for model in models]],
        )
        return cursor.fetchone() is not None


@contextmanager
def secondary_indexes_deferred(model: type[models.Model]) -> Iterator[None]:
    """On PostgreSQL: drop `model`'s secondary indexes (those backing no constraint: not the primary key, not a
    unique constraint) while the block loads, then build each again from its own definition, as pg_restore
    loads before it indexes. Sorting a million rows once is many times cheaper than a million insertions
    into each of a dozen indexes. Must run inside the loading transaction: a failure restores them with the
    rollback. Meanwhile the table is locked (DROP INDEX takes an exclusive lock): for bulk loads only."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("Indexes may be dropped only inside the loading transaction.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [model._meta.db_table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # Where the foreign keys' triggers ran, their deferred checks are pending, and PostgreSQL builds no index
        # on a table with pending trigger events: run the checks now (they would run at commit anyway).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)


def analyze(
    tables: Iterable[type[models.Model] | str], skip: Mapping[type[models.Model], Sequence[str]] | None = None
) -> None:
    """Refresh the query planner's statistics of these tables (models or table names), as after any bulk load:
    PostgreSQL's autovacuum never analyses a tiny table, and a missing statistic made the team queue read
    every open ticket (250 ms instead of 1 ms); without them the portal's list query took 27 ms, not 0.8 ms.

    `skip` names, per model, columns no query filters or joins on (long texts, JSON documents) whose statistics
    the load leaves to autovacuum: sampling the tickets' answers alone took most of the tickets' ANALYZE."""
    quoted = connection.ops.quote_name
    names: dict[str, str] = {}
    for item in tables:
        if isinstance(item, str):
            names.setdefault(item, "")
            continue
        left_out = {_column(_concrete(item, name)) for name in (skip or {}).get(item, ())}
        kept = [_column(field) for field in item._meta.concrete_fields if field.column not in left_out]
        names.setdefault(item._meta.db_table, f" ({', '.join(quoted(c) for c in kept)})" if left_out else "")
    with connection.cursor() as cursor:
        for name, listed in names.items():
            cursor.execute(f"ANALYZE {quoted(name)}{listed if connection.vendor == 'postgresql' else ''}")
