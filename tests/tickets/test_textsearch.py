"""Finding tickets by their words (`picocore.tickets.textsearch`) on the database the suite runs on: by word,
by phrase, with one typo, title hits first, within what the person may see, and following every write."""

import zoneinfo

import pytest
from django.db import connection

from picocore.catalog.choices import TicketType
from picocore.core.fulltext import TextQuery
from picocore.core.fulltext.index import FullTextIndex
from picocore.core.fulltext.vocabulary import held_words
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import Status
from picocore.tickets.fulltext import EVENT_INDEX, TICKET_INDEX
from picocore.tickets.models import Ticket
from picocore.tickets.queues import Filters, desk_tickets
from picocore.tickets.selectors import PortalFilters, portal_ticket_list
from picocore.tickets.services import ticket_add_note, ticket_merge, ticket_reply, ticket_transition
from picocore.tickets.textsearch import ranked_page
from tests import factories


@pytest.fixture(autouse=True, params=["by ids", "row by row"])
def reading(request, monkeypatch):
    """Every test both ways a list is narrowed: by the ids found (a rare text) and by a condition on each row (a
    text more than `FEW` tickets hold): the same tickets either way."""
    if request.param == "row by row":
        monkeypatch.setattr("picocore.tickets.textsearch.FEW", 0)
    return request.param


def desk_found(actor, text: str) -> list[str]:
    return sorted(t.key for t in Filters(text=text).apply(desk_tickets(actor=actor)))


def portal_found(customer, text: str, *, actor=None) -> list[str]:
    actor = actor or customer.admin
    tickets = portal_ticket_list(actor=actor, organisation=customer.organisation, whole_organisation=True)
    zone = zoneinfo.ZoneInfo(customer.organisation.time_zone)
    return sorted(t.key for t in PortalFilters(text=text).apply(tickets, time_zone=zone))


@pytest.fixture
def tickets(acme, nord):
    """ACME-1 about an import in its title, ACME-2 in its description, ACME-3 unrelated; NORD-1 about an
    import too."""
    acme.ticket(title="Supplier import stopped", description="Nothing arrived since Monday.")
    acme.ticket(title="Prices wrong in the shop", description="After last night's product import the prices are old.")
    acme.ticket(title="New colleague needs an account", description="Please add Ida.")
    nord.ticket(title="Import of Danish texts", description="Æbleskiver og søgning.")


def test_a_word_a_phrase_and_a_typo(consultant, acme, tickets):
    assert desk_found(consultant, "import") == ["ACME-1", "ACME-2", "NORD-1"]
    assert desk_found(consultant, "IMPORTS") == ["ACME-1", "ACME-2", "NORD-1"]  # stemmed, any case
    assert desk_found(consultant, '"product import"') == ["ACME-2"]
    assert desk_found(consultant, '"import product"') == []  # the words, but not in that order
    assert desk_found(consultant, "improt") == ["ACME-1", "ACME-2", "NORD-1"]  # one typo forgiven
    assert desk_found(consultant, "improt prices") == ["ACME-2"]
    assert desk_found(consultant, "supplier monday") == ["ACME-1"]  # every word, in title or description
    assert desk_found(consultant, "zebra") == []


def test_typo_forgiven_only_when_the_exact_words_find_nothing_in_the_persons_own_tickets(acme, nord, tickets):
    # "improt" is spelt so in a NORD ticket only: for ACME's people it is still a typo of "import".
    nord.ticket(title="Improt is our product name")
    assert portal_found(nord, "improt") == ["NORD-2"]
    assert portal_found(acme, "improt") == ["ACME-1", "ACME-2"]


def test_title_hits_come_first(consultant, acme, tickets):
    found, fuzzy = ranked_page(desk_tickets(actor=consultant), "import", notes=True, size=10)
    # ACME-2 holds "import" in its description only, and is the newest activity of the three.
    assert ([t.key for t in found][-1], [t.search_tier for t in found], fuzzy) == ("ACME-2", [3, 3, 2], False)
    ticket_reply(actor=consultant, ticket=Ticket.objects.get(key="ACME-3"), body="No import involved.")
    found, _ = ranked_page(desk_tickets(actor=consultant), "import", notes=True, size=10)
    assert [(t.key, t.search_tier) for t in found][-2:] == [("ACME-2", 2), ("ACME-3", 1)]
    found, fuzzy = ranked_page(desk_tickets(actor=consultant), "improt", notes=True, size=2)
    assert (len(found), fuzzy) == (3, True)  # one more than the page: there are more


def test_replies_are_found_and_notes_by_staff_only(consultant, acme, tickets):
    ticket = Ticket.objects.get(key="ACME-3")
    ticket_reply(actor=consultant, ticket=ticket, body="The account is ready; the password is in the vault.")
    ticket_add_note(actor=consultant, ticket=ticket, body="Checked with the licence server in Kolding.")
    assert portal_found(acme, "vault") == ["ACME-3"] == desk_found(consultant, "vault")
    assert desk_found(consultant, "kolding") == ["ACME-3"]
    assert portal_found(acme, "kolding") == []
    assert portal_found(acme, "licence server") == []


def test_no_one_finds_another_organisations_ticket(acme, nord, tickets):
    assert portal_found(acme, "import") == ["ACME-1", "ACME-2"]
    assert portal_found(nord, "import") == ["NORD-1"]
    assert portal_found(acme, "NORD-1") == [] and portal_found(acme, "æbleskiver") == []
    # A consultant of a team serving NORD only.
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[outsider])
    assert desk_found(outsider, "import") == ["NORD-1"]
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    assert desk_found(developer, "import") == []


def test_a_requester_without_the_whole_organisation_finds_only_their_own(acme, tickets):
    acme.ticket(by=acme.admin, title="Import schedule for the admin")
    tickets = portal_ticket_list(actor=acme.requester, organisation=acme.organisation, whole_organisation=False)
    found = PortalFilters(text="import").apply(tickets, time_zone=zoneinfo.ZoneInfo(acme.organisation.time_zone))
    assert sorted(t.key for t in found) == ["ACME-1", "ACME-2"]


def test_the_index_follows_every_write(consultant, acme, tickets):
    ticket = Ticket.objects.get(key="ACME-3")
    # A write no service makes (a bulk update, the shell): the database keeps the index itself.
    Ticket.objects.filter(pk=ticket.pk).update(title="Account for the warehouse team")
    assert desk_found(consultant, "warehouse") == ["ACME-3"] and desk_found(consultant, "colleague") == []
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Created the Hjørring login.")
    assert portal_found(acme, "hjørring") == ["ACME-3"]


def test_a_merged_duplicate_stays_findable_and_says_where_it_went(consultant, acme, tickets):
    duplicate = acme.ticket(title="Import stopped again", description="The wholesaler's feed is silent.")
    ticket_merge(actor=consultant, duplicate=duplicate, into=Ticket.objects.get(key="ACME-1"))
    found = Filters(text="wholesaler").apply(desk_tickets(actor=consultant))
    assert [(t.key, t.status, t.merged_into.key) for t in found] == [("ACME-4", Status.CLOSED, "ACME-1")]


def test_text_a_database_might_choke_on_finds_nothing_and_fails_nothing(consultant, acme, tickets):
    for typed in ("a\x00b", "'; DROP TABLE tickets_ticket; --", '"""', "NEAR(a b)", "title:import", "x" * 5000,
                  "import & | ! <-> :*", "*", "-import"):  # fmt: skip
        desk_found(consultant, typed)
        portal_found(acme, typed)
    # Query syntax typed is read as words: "title:import" asks for both words, not for a column.
    assert desk_found(consultant, "title:import") == [] and desk_found(consultant, "-import") == desk_found(
        consultant, "import"
    )


def test_a_long_text_is_indexed_up_to_its_limit(consultant, acme):
    acme.ticket(title="Log pasted", description="start " + "lorem ipsum dolor " * 20_000 + " omega")
    assert desk_found(consultant, "start") == ["ACME-1"]


@pytest.mark.parametrize("index", [TICKET_INDEX, EVENT_INDEX])
def test_a_rebuild_indexes_every_row_again(consultant, acme, tickets, index: FullTextIndex):
    ticket = Ticket.objects.get(key="ACME-3")
    ticket_reply(actor=consultant, ticket=ticket, body="Rebuilt reply about the vault.")
    progress = list(index.rebuild(connection, batch=2))
    assert progress[-1] == index.count(connection) and progress == sorted(progress)
    assert desk_found(consultant, "vault") == ["ACME-3"] and desk_found(consultant, "import")[0] == "ACME-1"


def test_an_incident_type_filter_and_the_text_together(consultant, acme, tickets):
    found = Filters(text="import", ticket_type=TicketType.INCIDENT).apply(desk_tickets(actor=consultant))
    assert sorted(t.key for t in found) == ["ACME-1", "ACME-2", "NORD-1"]


def test_a_typo_asks_the_index_only_for_spellings_it_holds(consultant, acme, tickets):
    query = TextQuery.parse("improt").fuzzier(known=lambda words: held_words((TICKET_INDEX, EVENT_INDEX), words))
    ((word, spellings),) = query.known_edits
    if connection.vendor == "postgresql":
        assert (word, spellings) == ("improt", ("import",))
    else:  # FTS5 reads every spelling from its index alone: all are kept
        assert word == "improt" and "import" in spellings and len(spellings) > 300
    assert desk_found(consultant, "improt") == ["ACME-1", "ACME-2", "NORD-1"]
