"""Ticket keys: `<PREFIX>-<n>`, n counting up per organisation without gaps or reuse."""

from django.db import transaction
from django.db.models import F

from picocore.tenancy.models import Organisation


def allocate_ticket_numbers(organisation_id: int, count: int = 1) -> tuple[str, int]:
    """Reserve the next `count` numbers of the organisation; returns (key prefix, first number reserved).

    Must run inside the transaction that creates the tickets. The UPDATE takes the organisation row's write
    lock (PostgreSQL row lock; SQLite's database write lock), so concurrent creators queue and each sees
    the number the other committed. If the transaction rolls back, so does the counter: no gaps, and a
    committed number is never handed out again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Ticket numbers must be allocated inside the creating transaction.")
    Organisation.objects.filter(pk=organisation_id).update(last_ticket_number=F("last_ticket_number") + count)
    prefix, last = Organisation.objects.values_list("key_prefix", "last_ticket_number").get(pk=organisation_id)
    return prefix, last - count + 1


def ticket_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"
