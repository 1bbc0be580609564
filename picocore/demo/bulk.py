"""What a bulk load of `picocore seed` needs around its INSERT … SELECT statements (`picocore.demo.seed_sql`):
the columns a load leaves to their model defaults, ids reserved beforehand, the referenced rows locked where the
foreign keys' triggers are skipped, secondary indexes set aside and built again, and fresh planner statistics.
Must run inside the transaction that owns the rows.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, connection, models


@dataclass(frozen=True)
class Table:
    """Where rows go: the table, the columns each row gives (in order) and the prepared defaults of the rest."""

    name: str
    columns: tuple[str, ...]
    default_columns: tuple[str, ...]
    defaults: tuple[object, ...]

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
    return Table(
        name=model._meta.db_table,
        columns=columns,
        default_columns=tuple(column for column, _ in rest),
        defaults=tuple(value for _, value in rest),
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
