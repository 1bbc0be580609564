"""The home page and what frames every page: organisations, time zones, lists, and GETs that change nothing."""

import datetime as dt

import pytest
from django.test import Client

from picocore.tenancy.choices import MembershipRole
from picocore.tickets.choices import Status
from picocore.tickets.services import ticket_merge, ticket_set_next_step, ticket_transition
from tests import factories
from tests.conftest import make_customer
from tests.portal.support import body, messages_shown, page, resolve, session_organisation, state, upload

pytestmark = pytest.mark.django_db


def test_switching_organisation_changes_what_the_home_page_shows(client, acme, nord):
    person = acme.requester
    factories.MembershipFactory(user=person, organisation=nord.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    acme.ticket(title="Acme images")
    nord.ticket(title="Nord sync")
    client.force_login(person)

    home = client.get("/portal/")
    assert home.context["membership"].organisation == acme.organisation  # first by name
    assert [t.title for t in home.context["page"].rows] == ["Acme images"]
    html = page(home)
    assert f'<option data-user-content value="{acme.organisation.pk}" selected>Acme Ltd</option>' in html
    assert f'<option data-user-content value="{nord.organisation.pk}">Nord Ltd</option>' in html

    response = client.post("/portal/organisation/", {"organisation": nord.organisation.pk})
    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert session_organisation(client) == nord.organisation.pk
    home = client.get("/portal/")
    assert messages_shown(home) == ["You are now working for Nord Ltd."]
    assert home.context["membership"].organisation == nord.organisation
    # Customer admin at Nord: the whole organisation's requests, though this person filed none of them.
    assert (home.context["whole"], [t.title for t in home.context["page"].rows]) == (True, ["Nord sync"])
    assert "Acme images" not in page(home)
    assert f"/portal/new/{nord.incident.slug}/" in page(client.get("/portal/new/"))
    assert client.get(f"/portal/new/{acme.incident.slug}/").status_code == 404


def test_the_default_organisation_is_shown_first(client, acme, nord):
    person = acme.requester
    factories.MembershipFactory(user=person, organisation=nord.organisation)
    person.default_organisation = nord.organisation
    person.save()
    client.force_login(person)
    assert client.get("/portal/").context["membership"].organisation == nord.organisation


def test_a_person_without_an_organisation_is_told_so(client, consultant):
    client.force_login(consultant)
    response = client.get("/portal/")
    assert response.status_code == 403
    assert "You are not a contact of any customer" in page(response)


def _at(moment: dt.datetime, monkeypatch, make):
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: moment)
        return make()


def test_times_are_shown_in_the_organisations_time_zone(client, acme, nord, monkeypatch):
    acme.organisation.time_zone = "Asia/Tokyo"
    acme.organisation.save()
    moment = dt.datetime(2025, 1, 15, 3, 30, tzinfo=dt.UTC)  # 12:30 in Tokyo, 00:30 in Santiago (tests' zone)
    factories.MembershipFactory(user=acme.requester, organisation=nord.organisation)
    _at(moment, monkeypatch, lambda: acme.ticket())
    _at(moment, monkeypatch, lambda: nord.ticket(by=acme.requester))
    client.force_login(acme.requester)

    home = page(client.get("/portal/"))
    assert '<time datetime="2025-01-15T12:30:00+09:00">Wed 15 Jan, 12:30</time>' in home

    # Working for Nord (Copenhagen, 04:30) now: Nord's list shows Copenhagen time, ACME's request Tokyo time.
    client.post("/portal/organisation/", {"organisation": nord.organisation.pk})
    home = page(client.get("/portal/"))
    assert '<time datetime="2025-01-15T04:30:00+01:00">Wed 15 Jan, 04:30</time>' in home
    request_page = page(client.get("/portal/requests/ACME-1/"))
    assert request_page.count('<time datetime="2025-01-15T12:30:00+09:00">Wed 15 Jan 2025, 12:30</time>') == 2
    assert "<dd>Asia/Tokyo</dd>" in request_page
    for other in (home, request_page):
        assert "00:30" not in other and "03:30" not in other


def test_summer_time_is_applied(client, acme, monkeypatch):
    moment = dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.UTC)
    _at(moment, monkeypatch, lambda: acme.ticket())
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    assert '<time datetime="2025-07-01T12:00:00+02:00">Tue 1 Jul 2025, 12:00</time>' in html


# --- home page lists -----------------------------------------------------------------------------------------


def test_home_lists_open_requests_and_counts_each_group(client, acme, consultant):
    new = acme.ticket(title="Fresh")
    waiting = acme.ticket(title="Needs answer")
    for status in (Status.TRIAGED, Status.WAITING_ON_CUSTOMER):
        ticket_transition(actor=consultant, ticket=waiting, to=status)
    done = acme.ticket(title="Done")
    resolve(done, consultant)
    closed = acme.ticket(title="Old")
    resolve(closed, consultant)
    ticket_transition(actor=consultant, ticket=closed, to=Status.CLOSED)
    client.force_login(acme.requester)
    response = client.get("/portal/")
    assert response.context["counts"] == {"open": 3, "waiting_on_you": 1, "resolved": 1, "finished": 1}
    assert [t.key for t in response.context["page"].rows] == [done.key, waiting.key, new.key]
    html = page(response)
    assert '<li><a href="/portal/requests/?status=open&amp;show=mine"><strong>3</strong> open</a></li>' in html
    assert (
        '<li><a href="/portal/requests/?status=waiting_on_customer&amp;show=mine"><strong>1</strong> waiting on you</a>'
        in html
    )
    assert '<a href="/portal/requests/?status=finished&amp;show=mine"><strong>1</strong> closed</a>' in html
    assert "Old" not in html


def test_home_pages_through_many_requests_by_keyset_and_keeps_the_view(client, acme, consultant):
    for n in range(27):
        acme.ticket(by=acme.admin, title=f"Request {n}")
    finished = acme.ticket(by=acme.admin, title="Finished one")
    ticket_transition(actor=consultant, ticket=finished, to=Status.CANCELLED)
    client.force_login(acme.admin)
    first = client.get("/portal/", {"show": "organisation"})
    assert len(first.context["page"].rows) == 25
    cursor = first.context["page"].next_cursor
    assert f'href="?show=organisation&amp;after={cursor}" rel="next"' in page(first)
    assert "First page" not in page(first)
    second = client.get("/portal/", {"show": "organisation", "after": cursor})
    assert second.status_code == 200
    assert [t.title for t in second.context["page"].rows] == ["Request 1", "Request 0"]  # never the cancelled one
    assert second.context["page"].next_cursor is None
    assert '<a href="?show=organisation">First page</a>' in page(second)
    # The same cursor serves the full list: one keyset mechanism for both.
    assert [t.title for t in client.get("/portal/requests/", {"after": cursor}).context["page"].rows] == [
        "Request 1", "Request 0",
    ]  # fmt: skip


@pytest.mark.parametrize("cursor", ["nonsense", "a\x00b", "x" * 501, "W251bGwsIDFd"])
def test_home_with_a_page_link_that_cannot_be_read_says_so_above_the_first_page(client, acme, cursor):
    acme.ticket(title="Only one")
    client.force_login(acme.requester)
    before = state()
    response = client.get("/portal/", {"after": cursor})
    assert response.status_code == 400
    assert [t.title for t in response.context["page"].rows] == ["Only one"]
    text = page(response)
    assert "This page link is broken or out of date; here is the first page." in text
    assert cursor not in text
    assert state() == before


# --- GET never changes anything ------------------------------------------------------------------------------


def test_get_never_changes_state(client, acme, consultant):
    ticket = acme.ticket(files=[upload()])
    resolve(ticket, consultant)
    attachment = ticket.attachments.get()
    client.force_login(acme.requester)
    before = state()
    statuses = {}
    for path in (
        "/portal/",
        "/portal/?show=organisation",
        "/portal/organisation/",
        "/portal/new/",
        f"/portal/new/{acme.incident.slug}/",
        "/portal/requests/ACME-1/",
        "/portal/requests/ACME-1/reply/",
        "/portal/requests/ACME-1/confirm/",
        "/portal/requests/ACME-1/reopen/",
        f"/portal/requests/ACME-1/files/{attachment.pk}/",
        "/healthz",
    ):
        response = client.get(path)
        statuses[path] = response.status_code
        body(response)
    assert list(statuses.values()) == [200, 200, 405, 200, 200, 200, 405, 405, 405, 200, 200]
    assert state() == before
    assert session_organisation(client) is None


def test_posts_need_the_csrf_token(acme, resolved):
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.requester)
    before = state()
    assert client.post("/portal/requests/ACME-1/confirm/").status_code == 403
    assert client.post("/portal/requests/ACME-1/reply/", {"body": "hi"}).status_code == 403
    assert state() == before


def test_a_session_naming_an_organisation_the_person_left_falls_back_to_their_default(client, acme, nord):
    person = acme.requester
    membership = factories.MembershipFactory(user=person, organisation=nord.organisation)
    third = make_customer("ZED")
    factories.MembershipFactory(user=person, organisation=third.organisation)
    person.default_organisation = third.organisation
    person.save()
    client.force_login(person)
    client.post("/portal/organisation/", {"organisation": nord.organisation.pk})
    membership.delete()
    home = client.get("/portal/")
    assert home.context["membership"].organisation == third.organisation  # not "Acme Ltd", the first by name


def test_the_requester_of_a_merged_duplicate_follows_the_surviving_request(client, acme, consultant):
    colleague = factories.UserFactory(full_name="Colin Colleague")
    factories.MembershipFactory(user=colleague, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    surviving = acme.ticket(title="Images missing")
    duplicate = acme.ticket(by=colleague, title="No pictures on the shop")
    ticket_merge(actor=consultant, duplicate=duplicate, into=surviving)
    client.force_login(colleague)
    assert client.get("/portal/requests/ACME-1/").status_code == 200
    home = client.get("/portal/")
    assert [t.key for t in home.context["page"].rows] == ["ACME-1"]
    assert home.context["counts"] == {"open": 1, "waiting_on_you": 0, "resolved": 0, "finished": 1}
    html = page(client.get("/portal/requests/ACME-2/"))
    assert "This request is a duplicate of ACME-1; we continue there and you can follow it." in html


def test_a_page_link_of_another_organisation_shows_only_ones_own_requests(client, acme, nord):
    nord.ticket(title="Nord own")  # older than every Acme request: after Acme's cursor in time
    for n in range(26):
        acme.ticket(by=acme.admin, title=f"Acme {n}")
    client.force_login(acme.admin)
    cursor = client.get("/portal/", {"show": "organisation"}).context["page"].next_cursor
    client.force_login(nord.admin)
    response = client.get("/portal/", {"show": "organisation", "after": cursor})
    assert response.status_code == 200
    assert [t.title for t in response.context["page"].rows] == ["Nord own"]
    assert "Acme" not in page(response)


def test_home_and_full_list_show_requests_in_one_table(client, acme, consultant):
    """One table partial serves both pages; only the differing column is chosen per page."""
    ticket = acme.ticket(title="Images missing")
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Check the import log", due=None)
    client.force_login(acme.admin)
    home, full = page(client.get("/portal/")), page(client.get("/portal/requests/"))
    key_cell = '<td data-label="Key"><a href="/portal/requests/ACME-1/">ACME-1</a></td>'
    for text in (home, full):
        assert text.count(key_cell) == 1
        assert '<td data-label="Requester" data-user-content>' in text
        assert '<span class="badge status-new">New</span>' in text
    assert '<th scope="col">Next step</th>' in home and '<th scope="col">Created</th>' not in home
    assert '<td data-label="Next step"><span data-user-content>Check the import log</span></td>' in home
    assert '<th scope="col">Created</th>' in full and '<th scope="col">Next step</th>' not in full
    assert '<span data-user-content>Images missing</span><div class="muted small">Incident · ' in full
    assert '<span data-user-content>Images missing</span><div class="muted small"><span data-user-content>' in home
