"""The title's substring index (a trigram index on PostgreSQL, an FTS5 trigram table on SQLite) finds exactly
the tickets the folded LIKE finds, for any text, and the database uses it."""

import pytest
from django.db import connection

from picocore.core.search import folded_contains
from picocore.tickets.fulltext import TITLE_SUBSTRING_INDEX
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.django_db

TITLES = (
    "Æbleskiver til julemarkedet",
    "Grøn profil på forsiden",
    "Ålborg lager",
    "Straße der Preise",
    "under_score",
    "5000 prices",
    "100% off in the shop",
    'The "Frozen" category',
    "ab",
)
TYPED = [
    "æble", "ÆBLE", "æBLeSKIVER", "iskiv", "GRØN", "grøn", "PÅ", "Å", "ål", "ålborg", "straße", "STRASSE", "gron",
    "50%", "0% o", "100%", "_", "r_s", "e_s", '"frozen"', '"', "ab", "a", "b", "e", " ", "  ", "prices",
    "5000 P", "julemarkedet!", "x" * 200,
]  # fmt: skip


def _found(condition) -> list[str]:
    return sorted(Ticket.objects.filter(condition).values_list("title", flat=True))


@pytest.fixture
def titled(acme):
    for title in TITLES:
        acme.ticket(title=title)


@pytest.mark.parametrize("typed", TYPED)
def test_the_index_finds_what_the_like_finds(titled, typed):
    plain = _found(folded_contains("title", typed))
    assert _found(folded_contains("title", typed, substring_index=TITLE_SUBSTRING_INDEX)) == plain


def test_the_index_follows_a_changed_title(acme):
    ticket = acme.ticket(title="Prices wrong")
    indexed = lambda typed: _found(folded_contains("title", typed, substring_index=TITLE_SUBSTRING_INDEX))  # noqa: E731
    assert indexed("price") == ["Prices wrong"]
    Ticket.objects.filter(pk=ticket.pk).update(title="Ålborg images missing")
    assert (indexed("price"), indexed("ÅLBORG")) == ([], ["Ålborg images missing"])


def _plan(condition) -> str:
    sql, params = Ticket.objects.filter(condition).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is too small to need an index
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_the_database_uses_the_index(titled):
    plan = _plan(folded_contains("title", "skiver", substring_index=TITLE_SUBSTRING_INDEX))
    if connection.vendor == "postgresql":
        assert "ticket_title_trigram" in plan
    else:
        assert "VIRTUAL TABLE INDEX" in plan and TITLE_SUBSTRING_INDEX in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_the_triggers_are_in_place_after_every_migration(db):
    """A later migration that rebuilds the tickets table on SQLite drops its triggers: they must be made again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'")
        names = {name for (name,) in cursor.fetchall()}
    assert {f"{TITLE_SUBSTRING_INDEX}_{event}" for event in ("insert", "update", "delete")} <= names
