"""The priority's reason is stored in the installation's language and read in each reader's: the matrix's
sentence and a consultant's change are said again in Danish, with the consultant's own words kept as typed."""

import pytest
from django.template import Context, Template
from django.utils import translation

from picocore.catalog.priority import priority_for, reason_text
from picocore.tickets.services import ticket_change_priority

pytestmark = pytest.mark.django_db


def test_a_danish_requester_stores_the_reason_in_english_and_reads_it_in_danish(acme):
    with translation.override("da"):
        assert priority_for("high", "medium").reason == "High impact × Medium urgency → P2"
        ticket = acme.ticket()
        assert ticket.priority_reason == "High impact × Medium urgency → P2"
        shown = reason_text(impact="high", urgency="medium", priority=2, stored=ticket.priority_reason)
        assert shown == "Høj påvirkning × Middel hastende → P2"
    with translation.override("en"):
        assert reason_text(impact="high", urgency="medium", priority=2, stored=ticket.priority_reason) == (
            "High impact × Medium urgency → P2"
        )


def test_a_consultants_change_reads_in_danish_with_their_words_marked(acme, consultant):
    ticket = acme.ticket()
    with translation.override("da"):
        ticket = ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="Shop <down>")
    assert ticket.priority_reason == "Changed from P2 to P1 by Carla Consultant: Shop <down>"
    template = Template("{% load tickets %}{{ ticket|priority_reason }}|{{ ticket|priority_reason_marked }}")
    with translation.override("da"):
        plain, marked = template.render(Context({"ticket": ticket})).split("|")
    assert plain == "Ændret fra P2 til P1 af Carla Consultant: Shop &lt;down&gt;"
    assert marked == (
        "Ændret fra P2 til P1 af <span data-user-content>Carla Consultant</span>: "
        "<span data-user-content>Shop &lt;down&gt;</span>"
    )


def test_any_other_stored_reason_is_shown_as_it_was_written():
    assert reason_text(impact="low", urgency="low", priority=5, stored="Imported") == "Imported"
    assert reason_text(impact="low", urgency="low", priority=5, stored="<b>", marked=True) == (
        "<span data-user-content>&lt;b&gt;</span>"
    )
