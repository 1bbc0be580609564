"""Ticket tallies: how many tickets each group holds, kept by the database itself so that counting a queue or a
portal group sums a few hundred rows whatever the number of tickets.

Triggers on `tickets_ticket` add signed delta rows to `QueueTally` (organisation, team, assignee, status) and
`RequesterTally` (organisation, requester, status) in the same transaction as every insert, delete and update of
those columns, whoever writes them: services, the admin, bulk `update()`, `bulk_create`, COPY. They only insert,
never update a shared row, so concurrent transactions changing the same group neither wait on each other nor
deadlock, and none of them loses its change. `tallies_compact` (every minute) folds each key's rows into one;
`tallies_rebuild` counts everything afresh in one statement (after a bulk load with triggers disabled, or to
repair). The number of tally rows grows with people and teams, not with tickets.

PostgreSQL fires one statement-level trigger per statement with its transition tables (a COPY of 100,000 rows adds
one grouped insert, not 100,000); SQLite has row triggers only, limited to changes of the tallied columns.
"""

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

QUEUE_TABLE = "tickets_queuetally"
REQUESTER_TABLE = "tickets_requestertally"
QUEUE_KEY = "organisation_id, team_id, assignee_id, status"
REQUESTER_KEY = "organisation_id, requester_id, status"
TALLIES = ((QUEUE_TABLE, QUEUE_KEY), (REQUESTER_TABLE, REQUESTER_KEY))

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION tickets_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {QUEUE_TABLE} ({QUEUE_KEY}, n) SELECT {QUEUE_KEY}, count(*) FROM new_rows GROUP BY {QUEUE_KEY};
    INSERT INTO {REQUESTER_TABLE} ({REQUESTER_KEY}, n)
      SELECT {REQUESTER_KEY}, count(*) FROM new_rows GROUP BY {REQUESTER_KEY};
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {QUEUE_TABLE} ({QUEUE_KEY}, n) SELECT {QUEUE_KEY}, -count(*) FROM old_rows GROUP BY {QUEUE_KEY};
    INSERT INTO {REQUESTER_TABLE} ({REQUESTER_KEY}, n)
      SELECT {REQUESTER_KEY}, -count(*) FROM old_rows GROUP BY {REQUESTER_KEY};
  ELSE
    -- Most updates change none of the tallied columns: their +1 and -1 cancel and nothing is inserted.
    INSERT INTO {QUEUE_TABLE} ({QUEUE_KEY}, n)
      SELECT {QUEUE_KEY}, sum(n) FROM (
        SELECT {QUEUE_KEY}, 1 AS n FROM new_rows UNION ALL SELECT {QUEUE_KEY}, -1 FROM old_rows
      ) AS changed GROUP BY {QUEUE_KEY} HAVING sum(n) <> 0;
    INSERT INTO {REQUESTER_TABLE} ({REQUESTER_KEY}, n)
      SELECT {REQUESTER_KEY}, sum(n) FROM (
        SELECT {REQUESTER_KEY}, 1 AS n FROM new_rows UNION ALL SELECT {REQUESTER_KEY}, -1 FROM old_rows
      ) AS changed GROUP BY {REQUESTER_KEY} HAVING sum(n) <> 0;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = {
    "tickets_tally_insert": "AFTER INSERT ON tickets_ticket REFERENCING NEW TABLE AS new_rows",
    "tickets_tally_update": "AFTER UPDATE ON tickets_ticket REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "tickets_tally_delete": "AFTER DELETE ON tickets_ticket REFERENCING OLD TABLE AS old_rows",
}


def _sqlite_values(key: str, row: str, n: int) -> str:
    return f"({', '.join(f'{row}.{column}' for column in key.split(', '))}, {n})"


def _sqlite_changed(key: str) -> str:
    return " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in key.split(", "))


SQLITE_TRIGGERS = {
    "tickets_tally_insert": "AFTER INSERT ON tickets_ticket BEGIN "
    + "".join(f"INSERT INTO {t} ({k}, n) VALUES {_sqlite_values(k, 'NEW', 1)}; " for t, k in TALLIES)
    + "END",
    "tickets_tally_delete": "AFTER DELETE ON tickets_ticket BEGIN "
    + "".join(f"INSERT INTO {t} ({k}, n) VALUES {_sqlite_values(k, 'OLD', -1)}; " for t, k in TALLIES)
    + "END",
    **{
        f"tickets_tally_update_{name}": f"AFTER UPDATE OF {k} ON tickets_ticket WHEN {_sqlite_changed(k)} BEGIN "
        f"INSERT INTO {t} ({k}, n) VALUES {_sqlite_values(k, 'OLD', -1)}, {_sqlite_values(k, 'NEW', 1)}; END"
        for name, (t, k) in zip(("queue", "requester"), TALLIES, strict=True)
    },
}


def _triggers(connection: BaseDatabaseWrapper) -> dict[str, str]:
    return POSTGRES_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS


def _drop_trigger(connection: BaseDatabaseWrapper, name: str) -> str:
    return f"DROP TRIGGER IF EXISTS {name}" + (" ON tickets_ticket" if connection.vendor == "postgresql" else "")


def installed_triggers(connection: BaseDatabaseWrapper = default_connection) -> set[str]:
    """The names of the tally triggers present (on PostgreSQL: and firing always) on the tickets table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'tickets_ticket'::regclass AND NOT tgisinternal "
                "AND tgenabled = 'A'"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'")
        return {name for (name,) in cursor.fetchall()} & set(_triggers(connection))


def install_triggers(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Create (or replace) the triggers that keep the tallies."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
        for name, definition in _triggers(connection).items():
            cursor.execute(_drop_trigger(connection, name))
            if connection.vendor == "postgresql":
                definition += " FOR EACH STATEMENT EXECUTE FUNCTION tickets_tally()"
            cursor.execute(f"CREATE TRIGGER {name} {definition}")
            if connection.vendor == "postgresql":
                # Fired under session_replication_role = replica too, which bulk loads set to skip the foreign
                # keys' triggers (as pg_restore --disable-triggers does): a tally never misses a COPY. ALTER
                # TABLE refuses while deferred foreign-key checks of this transaction are pending: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE tickets_ticket ENABLE ALWAYS TRIGGER {name}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def drop_triggers(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Remove the triggers (for a bulk load that calls `tallies_rebuild` afterwards)."""
    with connection.cursor() as cursor:
        for name in _triggers(connection):
            cursor.execute(_drop_trigger(connection, name))
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS tickets_tally()")


def ensure_triggers(connection: BaseDatabaseWrapper = default_connection) -> bool:
    """Install missing triggers and count the tallies afresh; whether any were missing. SQLite drops a table's
    triggers when a migration rebuilds the table, so this runs after every `migrate`."""
    tables = set(connection.introspection.table_names())
    if not {"tickets_ticket", QUEUE_TABLE, REQUESTER_TABLE} <= tables:
        return False
    if installed_triggers(connection) == set(_triggers(connection)):
        return False
    with transaction.atomic(using=connection.alias):
        install_triggers(connection)
        tallies_rebuild(connection)
    return True


def tallies_rebuild(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Count every tally afresh from the tickets, one grouped statement per tally, in one transaction. The
    tickets table is locked against writes meanwhile on PostgreSQL, so no change falls between delete and
    count."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        for table, key in TALLIES:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {table} ({key}, n) SELECT {key}, count(*) FROM tickets_ticket GROUP BY {key}")


def tallies_compact(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Fold each key's delta rows into one row (none when they sum to zero); the sums do not change.

    PostgreSQL: one statement per tally deletes the rows its snapshot sees and inserts their sums, so a delta
    committed meanwhile is neither lost nor counted twice, and readers see the rows before or after, never half.
    SQLite: the transaction holds the database's write lock from its start (IMMEDIATE), so nothing changes
    between the two statements.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table, key in TALLIES:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} RETURNING {key}, n) INSERT INTO {table} ({key}, n) "
                    f"SELECT {key}, sum(n) FROM gone GROUP BY {key} HAVING sum(n) <> 0"
                )
            else:
                cursor.execute(f"SELECT max(id) FROM {table}")
                (last,) = cursor.fetchone()
                if last is None:
                    continue
                cursor.execute(
                    f"INSERT INTO {table} ({key}, n) SELECT {key}, sum(n) FROM {table} WHERE id <= %s "
                    f"GROUP BY {key} HAVING sum(n) <> 0",
                    [last],
                )
                cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last])
