"""Ticket keys: `<PREFIX>-<n>`, n counting up per organisation without gaps or reuse."""

import re

from django.db import connection, transaction

from picocore.tenancy.models import Organisation

# The organisation's prefix (`Organisation.key_prefix`: a letter, then 1–9 letters or digits), a hyphen and the
# number; in any case, as people type them.
KEY_PATTERN = r"[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,19}"
_KEY = re.compile(KEY_PATTERN)


def allocate_ticket_numbers(organisation_id: int, count: int = 1) -> tuple[str, int]:
    """Reserve the next `count` numbers of the organisation; returns (key prefix, first number reserved).

    Must run inside the transaction that creates the tickets. The UPDATE takes the organisation row's write
    lock (PostgreSQL row lock; SQLite's database write lock), so concurrent creators queue and each sees
    the number the other committed. If the transaction rolls back, so does the counter: no gaps, and a
    committed number is never handed out again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Ticket numbers must be allocated inside the creating transaction.")
    table = connection.ops.quote_name(Organisation._meta.db_table)
    with connection.cursor() as cursor:
        # One statement (PostgreSQL and SQLite ≥ 3.35 both return the updated row): the increment and the number
        # it reached, under the row's write lock.
        cursor.execute(
            f"UPDATE {table} SET last_ticket_number = last_ticket_number + %s WHERE id = %s "  # noqa: S608
            "RETURNING key_prefix, last_ticket_number",
            [count, organisation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Organisation.DoesNotExist(f"No organisation {organisation_id}")
    prefix, last = row
    return prefix, last - count + 1


def ticket_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse_ticket_key(text: str) -> str | None:
    """The ticket key a person typed or a URL holds (surrounding spaces and any case allowed), in its stored
    upper-case form; None when it cannot be a key (NUL, other characters, too long), so it never reaches a
    query."""
    text = text.strip()
    return text.upper() if _KEY.fullmatch(text) else None
