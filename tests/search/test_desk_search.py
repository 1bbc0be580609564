"""The desk's search page: hits best first with marked snippets, notes found, only what the person may work
on, a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.search.selectors import SECTION_SIZE
from picocore.tenancy.choices import StaffRole
from picocore.tickets.services import ticket_add_note
from tests import factories

SEARCH = reverse("desk:search")


def test_the_page_lists_title_hits_first_with_the_words_marked(client, consultant, acme, nord):
    acme.ticket(title="Prices wrong", description="After the <b>import</b> the prices are old.")
    acme.ticket(title="Supplier import stopped")
    nord.ticket(title="Import of texts")
    client.force_login(consultant)
    response = client.get(SEARCH, {"q": "import"})
    hits = [hit.key for hit in response.context["results"].sections[0].hits]
    assert response.status_code == 200 and hits[-1] == "ACME-1" and sorted(hits) == ["ACME-1", "ACME-2", "NORD-1"]
    page = response.content.decode()
    assert "After the &lt;b&gt;<mark>import</mark>&lt;/b&gt; the prices are old." in page
    assert "Nothing has exactly" not in page


def test_a_note_explains_a_hit_and_a_typo_is_said_to_be_forgiven(client, consultant, acme):
    ticket = acme.ticket(title="Account needed")
    ticket_add_note(actor=consultant, ticket=ticket, body="Asked the licence server team in Kolding.")
    client.force_login(consultant)
    page = client.get(SEARCH, {"q": "koldnig"}).content.decode()
    assert "in <mark>Kolding</mark>." in page and "Nothing has exactly" in page


def test_nobody_else_finds_anything_and_an_empty_box_searches_nothing(client, acme, nord):
    nord.ticket(title="Import of texts")
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Acme desk", organisations=[acme.organisation], members=[outsider])
    client.force_login(outsider)
    response = client.get(SEARCH, {"q": "import"})
    assert response.context["results"].empty and "Import of texts" not in response.content.decode()
    assert client.get(SEARCH).context["results"].sections == []
    for person in (acme.requester, factories.StaffFactory(staff_role=StaffRole.DEVELOPER)):
        client.force_login(person)
        assert client.get(SEARCH, {"q": "import"}).status_code == 404


def test_the_page_runs_the_same_queries_for_a_full_page_and_for_many_more(client, consultant, acme):
    """Once the tickets' own words fill the page, the timeline is not read; whatever the number of tickets, the
    same queries (fewer hits than a page: one more, for the timeline)."""

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SEARCH, {"q": "import"}).status_code == 200
        return len(queries)

    def grow(n: int) -> None:
        for i in range(n):
            ticket = acme.ticket(title=f"Import number {i}", description="The import again.")
            ticket_add_note(actor=consultant, ticket=ticket, body="Import checked.")

    client.force_login(consultant)
    grow(3)
    client.get(SEARCH, {"q": "import"})  # the process's reference data read once
    short = measured()
    grow(SECTION_SIZE)
    full = measured()
    grow(3 * SECTION_SIZE)
    # The session and its user, the tickets' ranked page, the timeline (only while the tickets' own words do not
    # fill the page), two pages each of problems and articles (no problem or article holds the word: the second
    # forgives a typo, after looking up the spellings the index holds on PostgreSQL, four statements), and the
    # layout's count of unread notifications.
    expected = {"sqlite": 8, "postgresql": 16}[connection.vendor]
    assert (short, full, measured()) == (expected + 1, expected, expected)
