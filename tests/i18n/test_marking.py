"""Texts are marked so that `makemessages` finds them: it knows `_`, `gettext`, `gettext_lazy`, `ngettext`…
by name, so a text marked through another alias (`_lazy = gettext_lazy`) is never extracted and stays English
in every language, silently."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from picocore.sla.clocks import describe_target

PACKAGE = Path(__file__).resolve().parents[2] / "picocore"
ALIAS = re.compile(r"^\s*from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)", re.M)


def test_no_text_is_marked_through_an_alias_makemessages_does_not_know():
    aliased = [
        f"{path.relative_to(PACKAGE)}: {match[1]} as {match[2]}"
        for path in PACKAGE.rglob("*.py")
        for match in ALIAS.finditer(path.read_text())
    ]
    assert aliased == []


@pytest.mark.parametrize(
    ("seconds", "business", "english", "danish"),
    [
        (3600, True, "1 business hour", "1 arbejdstime"),
        (2 * 3600 + 1800, True, "2 business hours 30 minutes", "2 arbejdstimer 30 minutter"),
        (1800, True, "30 business minutes", "30 arbejdsminutter"),
        (1800, False, "30 minutes around the clock", "30 minutter døgnet rundt"),
        (4 * 3600, False, "4 hours around the clock", "4 timer døgnet rundt"),
        (0, True, "0 minutes", "0 minutter"),
    ],
)
def test_sla_targets_read_in_the_readers_language(seconds, business, english, danish):
    with translation.override("en"):
        assert describe_target(seconds, business=business) == english
    with translation.override("da"):
        assert describe_target(seconds, business=business) == danish
