"""Text matched in any case in any language (`picocore.core.search`), on SQLite as on PostgreSQL."""

import pytest

from picocore.core.search import folded_contains
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("æble", ["Æbleskiver til julemarkedet"]),
        ("ÆBLE", ["Æbleskiver til julemarkedet"]),
        ("æBLeSKIVER", ["Æbleskiver til julemarkedet"]),
        ("GRØN", ["Grøn profil på forsiden"]),
        ("grøn", ["Grøn profil på forsiden"]),
        ("PÅ", ["Grøn profil på forsiden"]),
        ("Å", ["Grøn profil på forsiden", "Ålborg lager"]),
        ("ålborg", ["Ålborg lager"]),
        ("straße", ["Straße der Preise"]),
        ("gron", []),  # ø is its own letter, not an o
        ("50%", []),  # % and _ are letters to find, not patterns
        ("_", ["under_score"]),
    ],
)
def test_folded_contains_matches_any_case_of_any_letter(acme, typed, found):
    for title in ("Æbleskiver til julemarkedet", "Grøn profil på forsiden", "Ålborg lager", "Straße der Preise",
                  "under_score", "5000 prices"):  # fmt: skip
        acme.ticket(title=title)
    matches = Ticket.objects.filter(folded_contains("title", typed)).order_by("title")
    assert sorted(matches.values_list("title", flat=True)) == sorted(found)
