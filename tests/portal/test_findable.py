"""All my requests, findable: the list of every request (finished ones too) with its filters and search, the
question or resolution repeated at the top of a request, and forms sent from a tab shown for another
organisation than the one the session now works for."""

import datetime as dt
import html
import re

import pytest

from picocore.catalog.choices import TicketType
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_reply, ticket_transition
from tests import factories
from tests.portal.support import incident_form, page, resolve, state, upload

pytestmark = pytest.mark.django_db

LIST = "/portal/requests/"
BACKWARDS = "The end date is before the start date."
COULD_NOT_USE = "Some filters could not be used; the list is shown without them."


def keys(response) -> list[str]:
    return [ticket.key for ticket in response.context["page"].rows]


def filter_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["filter_form"].errors.items()}


def close(ticket, consultant, note="Re-ran the export.") -> None:
    resolve(ticket, consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CLOSED)


@pytest.fixture
def history(acme, consultant):
    """ACME-1 new, ACME-2 waiting on the customer, ACME-3 resolved, ACME-4 closed, ACME-5 cancelled: all the
    requester's; ACME-6 the admin's, open."""
    new = acme.ticket(title="Images missing on the shop")
    waiting = acme.ticket(title="Allergens attribute", description="Which allergen list do you use?")
    ticket_transition(actor=consultant, ticket=waiting, to=Status.TRIAGED)
    ticket_transition(actor=consultant, ticket=waiting, to=Status.WAITING_ON_CUSTOMER)
    resolved = acme.ticket(title="Swedish campaign texts")
    resolve(resolved, consultant)
    closed = acme.ticket(title="Price export late", description="The nightly Export finished at 07:40 for days.")
    close(closed, consultant)
    cancelled = acme.ticket(title="Duplicate of the export")
    ticket_transition(actor=consultant, ticket=cancelled, to=Status.CANCELLED)
    admins = acme.ticket(by=acme.admin, title="Admin's own request", description="Quarterly review slides.")
    return [t.key for t in (new, waiting, resolved, closed, cancelled, admins)]


def test_the_list_shows_finished_requests_too_newest_activity_first(client, acme, history):
    client.force_login(acme.requester)
    response = client.get(LIST)
    assert response.status_code == 200
    assert keys(response) == ["ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]
    assert response.context["whole"] is False
    client.force_login(acme.admin)
    assert keys(client.get(LIST)) == ["ACME-6", "ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]
    assert keys(client.get(LIST, {"show": "mine"})) == ["ACME-6"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["ACME-3", "ACME-2", "ACME-1"]),
        ("finished", ["ACME-5", "ACME-4"]),
        ("closed", ["ACME-4"]),
        ("cancelled", ["ACME-5"]),
        ("waiting_on_customer", ["ACME-2"]),
        ("resolved", ["ACME-3"]),
        ("", ["ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]),
    ],
)
def test_filter_by_status_and_status_groups(client, acme, history, status, expected):
    client.force_login(acme.requester)
    assert keys(client.get(LIST, {"status": status})) == expected


def test_the_home_page_counts_link_to_the_filtered_list(client, acme, history):
    client.force_login(acme.requester)
    html_page = page(client.get("/portal/"))
    link = '<a href="/portal/requests/?status=finished&amp;show=mine"><strong>2</strong> closed</a>'
    assert link in html_page
    assert keys(client.get(LIST, {"status": "finished", "show": "mine"})) == ["ACME-5", "ACME-4"]


def test_search_by_a_word_of_the_description_any_case(client, acme, history):
    client.force_login(acme.requester)
    # title of 5, description of 4, the public resolution note of 3 ("Re-ran the export.")
    assert keys(client.get(LIST, {"q": "export"})) == ["ACME-5", "ACME-4", "ACME-3"]
    assert keys(client.get(LIST, {"q": "NIGHTLY 07:40"})) == ["ACME-4"]  # every word must match
    assert keys(client.get(LIST, {"q": "nightly nothing"})) == []
    response = client.get(LIST, {"q": "  allergen  "})
    assert (response.status_code, keys(response)) == (200, ["ACME-2"])
    assert "No request matches" in page(client.get(LIST, {"q": "zebra"}))


def test_search_by_an_exact_key_goes_to_the_request(client, acme, history):
    client.force_login(acme.requester)
    for typed in ("ACME-4", "acme-4", " Acme-4 "):
        response = client.get(LIST, {"q": typed})
        assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-4/")
    # A key the person may not see (the admin's) is not found, and not revealed.
    response = client.get(LIST, {"q": "ACME-6"})
    assert (response.status_code, keys(response)) == (200, [])
    assert "Admin&#x27;s own request" not in page(response)
    # A key with other filters that exclude it: no jump, an empty list.
    assert keys(client.get(LIST, {"q": "ACME-4", "status": "open"})) == []


def test_filter_by_type_and_creation_date(client, acme, history, monkeypatch):
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Content change")
    acme.organisation.contracts.get().tier.request_types.add(change)
    old = dt.datetime(2025, 3, 3, 23, 30, tzinfo=dt.UTC)  # 4 March, 00:30 in Copenhagen: ACME's calendar day
    Organisation.objects.filter(pk=acme.organisation.pk).update(time_zone="Europe/Copenhagen")
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: old)
        acme.ticket(title="Change of March", request_type=change, solution=None, environment=None)
    client.force_login(acme.requester)
    assert keys(client.get(LIST, {"type": TicketType.CHANGE_REQUEST})) == ["ACME-7"]
    assert keys(client.get(LIST, {"created_from": "2025-03-04", "created_to": "2025-03-04"})) == ["ACME-7"]
    assert keys(client.get(LIST, {"created_to": "2025-03-03"})) == []
    assert keys(client.get(LIST, {"created_from": "2025-03-05", "type": "incident"})) == [
        "ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1",
    ]  # fmt: skip


def test_requester_filter_is_a_customer_admins_and_names_only_people_of_the_organisation(client, acme, nord, history):
    client.force_login(acme.admin)
    response = client.get(LIST, {"requester": acme.requester.pk})
    assert keys(response) == ["ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]
    options = page(response)
    assert f'<option value="{acme.requester.pk}" selected>ACME Requester</option>' in options
    assert "NORD Requester" not in options

    # A person of another organisation, a missing id, or text: 400, said plainly, the list without the filter.
    for foreign in (nord.requester.pk, 999_999, "abc", "1\x00"):
        response = client.get(LIST, {"requester": foreign})
        assert response.status_code == 400
        assert COULD_NOT_USE in page(response)
        assert keys(response) == ["ACME-6", "ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]

    # A plain requester has no such filter: the parameter does nothing, even naming a colleague.
    client.force_login(acme.requester)
    response = client.get(LIST, {"requester": acme.admin.pk})
    assert (response.status_code, keys(response)) == (200, ["ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"])
    assert 'name="requester"' not in page(response)


def test_requester_filter_is_not_offered_where_requesters_see_all(client, acme, history):
    Organisation.objects.filter(pk=acme.organisation.pk).update(request_visibility=RequestVisibility.ORGANISATION)
    client.force_login(acme.requester)
    response = client.get(LIST, {"requester": acme.admin.pk})
    assert keys(response) == ["ACME-6", "ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]


def test_another_organisations_requests_never_appear(client, acme, nord, history):
    nord.ticket(title="Nord catalogue sync", description="The nightly export is late too.")
    for person in (nord.requester, nord.admin):
        client.force_login(person)
        for query in ({}, {"q": "export"}, {"q": "ACME-4"}, {"status": "finished"}, {"requester": acme.requester.pk}):
            response = client.get(LIST, query)
            assert response.status_code in (200, 400)
            assert set(keys(response)) <= {"NORD-1"}
            text = page(response)
            shown = ("/portal/requests/ACME-", "Price export", "Images missing", "ACME Requester", "Acme Ltd")
            assert [s for s in shown if s in text] == []
        assert keys(client.get(LIST, {"q": "export"})) == ["NORD-1"]
        counts = client.get("/portal/").context["counts"]
        assert counts == {"open": 1, "waiting_on_you": 0, "resolved": 0, "finished": 0}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"status": "bogus"}, "status", "Choose one of the listed options."),
        ({"type": "x\x00"}, "type", "Choose one of the listed options."),
        ({"q": "export\x00"}, "q", "The search text holds a character that cannot be searched for."),
        ({"q": "a" * 201}, "q", "Search for at most 200 characters."),
        ({"created_from": "yesterday"}, "created_from", "Enter a valid date."),
        ({"created_from": "0001-01-01"}, "created_from", "Give a date between 2000 and 2999."),
        ({"created_to": "9999-12-31"}, "created_to", "Give a date between 2000 and 2999."),
        ({"created_from": "2025-03-05", "created_to": "2025-03-04"}, "created_to", BACKWARDS),
        ({"after": "not-a-cursor"}, "after", "This page link is broken or out of date; here is the first page."),
    ],
)  # fmt: skip
def test_a_filter_that_cannot_be_read_is_named_and_left_out(client, acme, history, query, field, message):
    client.force_login(acme.requester)
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert filter_errors(response) == {field: [message]}
    assert keys(response) == ["ACME-5", "ACME-4", "ACME-3", "ACME-2", "ACME-1"]
    text = page(response)
    assert COULD_NOT_USE in text
    assert "\x00" not in text and "a" * 201 not in text  # refused values are not echoed back


def test_pages_follow_by_keyset(client, acme):
    for n in range(27):
        acme.ticket(title=f"Request {n}")
    client.force_login(acme.requester)
    first = client.get(LIST, {"q": "request"})
    assert len(keys(first)) == 25
    cursor = first.context["page"].next_cursor
    assert f"q=request&amp;after={cursor}" in page(first)
    second = client.get(LIST, {"q": "request", "after": cursor})
    assert [t.title for t in second.context["page"].rows] == ["Request 1", "Request 0"]
    assert second.context["page"].next_cursor is None


# --- the top of a request ------------------------------------------------------------------------------------


def test_a_waiting_request_shows_our_question_at_the_top_with_the_reply_box(client, acme, consultant):
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.TRIAGED)
    ticket_reply(actor=consultant, ticket=ticket, body="Is the old import still running?")
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    ticket_reply(actor=consultant, ticket=ticket, body="Which allergens list should we use?")
    client.force_login(acme.requester)
    response = client.get(f"/portal/requests/{ticket.key}/")
    text = page(response)
    top = text[text.index('id="we-need"') : text.index('id="standing-heading"')]
    assert "We need from you" in top
    assert "Which allergens list should we use?" in top
    assert "Is the old import still running?" not in top
    assert "Asked by <span data-user-content>Carla Consultant</span>" in top
    assert f'action="/portal/requests/{ticket.key}/reply/"' in top  # the reply box is right there
    assert text.count('name="body"') == 1
    assert "Your answer to our question above." in text  # the next step says what to do


def test_the_note_of_the_move_to_waiting_is_the_question(client, acme, consultant):
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.TRIAGED)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER, note="Send us the log file.")
    ticket_reply(actor=acme.requester, ticket=ticket, body="Looking for it.")  # moves it back to in progress
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER, note="The full log, please.")
    client.force_login(acme.requester)
    response = client.get(f"/portal/requests/{ticket.key}/")
    assert response.context["prompt"].body == "The full log, please."


def test_a_resolved_request_repeats_the_resolution_note_with_confirm_and_reopen(client, acme, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    ticket_reply(actor=consultant, ticket=ticket, body="Tell us if anything else shows up.")
    client.force_login(acme.requester)
    text = page(client.get(f"/portal/requests/{ticket.key}/"))
    top = text[text.index('id="resolution-heading"') : text.index('id="standing-heading"')]
    assert "Re-ran the export." in top
    assert "Tell us if anything else shows up." not in top
    assert f'action="/portal/requests/{ticket.key}/confirm/"' in top
    assert f'action="/portal/requests/{ticket.key}/reopen/"' in top
    assert text.index('id="resolution-heading"') < text.index('id="timeline-heading"')


def test_a_closed_request_shows_how_it_was_resolved_without_actions(client, acme, consultant):
    ticket = acme.ticket()
    close(ticket, consultant)
    client.force_login(acme.requester)
    text = page(client.get(f"/portal/requests/{ticket.key}/"))
    top = text[text.index('id="resolution-heading"') : text.index('id="standing-heading"')]
    assert "How it was resolved" in top and "Re-ran the export." in top
    assert "/confirm/" not in text and "/reopen/" not in text


def test_an_open_request_has_no_top_section(client, acme, consultant):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="Looking into it.")
    client.force_login(acme.requester)
    response = client.get(f"/portal/requests/{ticket.key}/")
    assert response.context["prompt"] is None
    assert 'id="we-need"' not in page(response) and 'id="resolution-heading"' not in page(response)


# --- a form from a tab shown for another organisation ---------------------------------------------------------


@pytest.fixture
def both(acme, nord):
    """ACME's requester, also a requester of Nord, working for Nord now (switched in another tab)."""
    person = acme.requester
    factories.MembershipFactory(user=person, organisation=nord.organisation, role=MembershipRole.REQUESTER)
    return person


def _switch(client, organisation) -> None:
    assert client.post("/portal/organisation/", {"organisation": organisation.pk}).status_code == 302


SWITCHED = "You switched to Nord Ltd in another tab; this form was for Acme Ltd. Nothing was sent:"


def test_new_request_from_a_tab_of_the_other_organisation_is_explained_and_kept(client, acme, nord, both):
    nord.organisation.contracts.get().tier.request_types.add(acme.incident)  # the same form is offered to both
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    data = incident_form(acme, title="Prices wrong in DE", description="All prices show 0.\nSince 10:00.")
    data |= {"form_organisation": acme.organisation.pk, "attachments": [upload()]}
    response = client.post(f"/portal/new/{acme.incident.slug}/", data)
    assert response.status_code == 400
    assert state() == before
    text = html.unescape(page(response))
    assert SWITCHED in text
    assert "send it for Nord Ltd, or switch back first. Files must be attached again." in text
    assert "Select a valid choice" not in text
    form = response.context["form"]
    assert (form.is_bound, form["title"].value(), form["description"].value()) == (
        False, "Prices wrong in DE", "All prices show 0.\nSince 10:00.",
    )  # fmt: skip
    assert f'name="form_organisation" value="{nord.organisation.pk}"' in text
    # Sent again from the fresh form, it is Nord's request.
    data = incident_form(nord, title="Prices wrong in DE", description="All prices show 0.")
    response = client.post(f"/portal/new/{acme.incident.slug}/", data | {"form_organisation": nord.organisation.pk})
    assert response.status_code == 302
    assert Ticket.objects.get(title="Prices wrong in DE").organisation == nord.organisation


def test_new_request_of_a_kind_the_other_organisation_lacks_keeps_the_text(client, acme, nord, both):
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    data = incident_form(acme, title="Prices wrong in DE", description="All\x00 prices show 0.")
    response = client.post(f"/portal/new/{acme.incident.slug}/", data | {"form_organisation": acme.organisation.pk})
    assert response.status_code == 400
    assert state() == before
    text = html.unescape(page(response))
    assert SWITCHED in text
    assert "Nord Ltd cannot ask for that kind of request. Your text, to copy:" in text
    assert "Prices wrong in DE\n\nAll prices show 0." in text


def test_a_form_of_an_organisation_one_has_left_names_it_not(client, acme, nord):
    nord_only = nord.requester
    client.force_login(nord_only)
    before = state()
    data = incident_form(nord) | {"form_organisation": acme.organisation.pk}
    response = client.post(f"/portal/new/{nord.incident.slug}/", data)
    assert response.status_code == 400
    assert state() == before
    text = page(response)
    assert "This form was for an organisation you no longer work for; you now work for Nord Ltd." in text
    assert "Acme" not in text


def test_a_reply_from_a_tab_of_the_other_organisation_is_explained_and_kept(client, acme, nord, both):
    ticket = acme.ticket()
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    path = f"/portal/requests/{ticket.key}/reply/"
    response = client.post(path, {"body": "Here is the log.", "form_organisation": acme.organisation.pk})
    assert response.status_code == 400
    assert state() == before
    text = html.unescape(page(response))
    assert f"{SWITCHED} your reply to {ticket.key} is kept below; send it again to add it." in text
    assert response.context["reply_form"]["body"].value() == "Here is the log."
    # The page now carries Nord: sending again adds the reply to ACME's request.
    response = client.post(path, {"body": "Here is the log.", "form_organisation": nord.organisation.pk})
    assert response.status_code == 302
    assert ticket.events.filter(body="Here is the log.").count() == 1


def test_a_confirmation_from_a_tab_of_the_other_organisation_is_explained_and_changes_nothing(
    client, acme, nord, both, consultant
):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    path = f"/portal/requests/{ticket.key}/confirm/"
    response = client.post(path, {"form_organisation": acme.organisation.pk})
    assert response.status_code == 400
    assert state() == before
    text = html.unescape(page(response))
    assert f"{SWITCHED} {ticket.key} is not confirmed; confirm it below if it is resolved." in text
    assert text.count(f'name="form_organisation" value="{nord.organisation.pk}"') == 4  # confirm, reopen, rating, reply
    # Confirmed again from the page it is now shown on, it closes.
    assert client.post(path, {"form_organisation": nord.organisation.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_reopening_from_a_tab_of_the_other_organisation_is_explained_and_kept(client, acme, nord, both, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    path = f"/portal/requests/{ticket.key}/reopen/"
    response = client.post(path, {"reason": "Still 0 in DE.", "form_organisation": acme.organisation.pk})
    assert response.status_code == 400
    assert state() == before
    text = html.unescape(page(response))
    assert f"{SWITCHED} {ticket.key} is not reopened; what you wrote is kept below, reopen it to send it." in text
    assert response.context["reopen_form"]["reason"].value() == "Still 0 in DE."
    assert "Still 0 in DE.</textarea>" in text
    response = client.post(path, {"reason": "Still 0 in DE.", "form_organisation": nord.organisation.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.events.filter(body="Still 0 in DE.").count() == 1


def test_a_refused_confirmation_of_a_request_no_longer_resolved_is_explained(client, acme, nord, both, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS, note="Found more.")
    client.force_login(both)
    _switch(client, nord.organisation)
    before = state()
    response = client.post(f"/portal/requests/{ticket.key}/confirm/", {"form_organisation": acme.organisation.pk})
    assert response.status_code == 400
    assert state() == before
    assert f"{SWITCHED} {ticket.key} is not confirmed" in html.unescape(page(response))


POST_FORM = re.compile(r'<form method="post"(?: action="([^"]*)")?[^>]*>(.*?)</form>', re.S)
# Forms that do not act for an organisation: the switch itself, signing out, the language.
NOT_FOR_AN_ORGANISATION = ("/portal/organisation/", "/accounts/logout/", "/accounts/language/")


@pytest.mark.parametrize("status", [Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.NEW])
def test_every_portal_form_that_acts_for_an_organisation_says_which(client, acme, consultant, status):
    ticket = acme.ticket()
    if status == Status.RESOLVED:
        resolve(ticket, consultant)
    elif status == Status.WAITING_ON_CUSTOMER:
        for step in (Status.TRIAGED, Status.WAITING_ON_CUSTOMER):
            ticket_transition(actor=consultant, ticket=ticket, to=step)
    client.force_login(acme.requester)
    hidden = f'<input type="hidden" name="form_organisation" value="{acme.organisation.pk}">'
    for path in (f"/portal/requests/{ticket.key}/", f"/portal/new/{acme.incident.slug}/"):
        forms = POST_FORM.findall(page(client.get(path)))  # a form without an action posts to its page
        acting = [(action, inner) for action, inner in forms if action not in NOT_FOR_AN_ORGANISATION]
        assert acting, path
        assert [action for action, inner in acting if hidden not in inner] == []


def test_a_form_without_or_with_an_unreadable_organisation_is_handled_as_before(client, acme):
    client.force_login(acme.requester)
    ticket = acme.ticket()
    for value in (None, "x", "1\x00", str(2**64)):
        data = {"body": f"Reply {value!r}"} | ({} if value is None else {"form_organisation": value})
        assert client.post(f"/portal/requests/{ticket.key}/reply/", data).status_code == 302


@pytest.mark.parametrize("value", [None, "x", "1\x00", str(2**64)])
def test_a_confirmation_or_reopening_without_a_readable_organisation_is_handled_as_before(
    client, acme, consultant, value
):
    client.force_login(acme.requester)
    extra = {} if value is None else {"form_organisation": value}
    confirmed, reopened = acme.ticket(), acme.ticket()
    for ticket in (confirmed, reopened):
        resolve(ticket, consultant)
    assert client.post(f"/portal/requests/{confirmed.key}/confirm/", extra).status_code == 302
    assert client.post(f"/portal/requests/{reopened.key}/reopen/", {"reason": "Not yet."} | extra).status_code == 302
    confirmed.refresh_from_db()
    reopened.refresh_from_db()
    assert (confirmed.status, reopened.status) == (Status.CLOSED, Status.IN_PROGRESS)


# --- queries ----------------------------------------------------------------------------------------------------

# session, user, unread notifications, one page of requests (no count); a customer admin's list also reads the
# people of the organisation for the requester filter. (The memberships are reference data the process keeps.)
LIST_QUERIES = {"requester": 4, "admin": 5}
LIST_PATHS = (
    "/portal/requests/",
    "/portal/requests/?status=finished",
    "/portal/requests/?q=bulk+request&type=incident&created_from=2020-01-01",
    "/portal/requests/?q=ACME-3",
    "/portal/requests/?status=bogus&q=a%00",
)


def test_the_list_runs_the_same_queries_for_10_and_1000_tickets(client, acme, nord):
    from tests.portal.test_query_counts import add_tickets, queries

    add_tickets(acme, 10)
    add_tickets(nord, 10)
    measured = {}
    for size in ("small", "large"):
        for who in ("requester", "admin"):
            client.force_login(getattr(acme, who))
            for path in LIST_PATHS:
                status = 400 if "bogus" in path else 302 if "ACME-3" in path else 200
                measured[size, who, path] = len(queries(client, path, status))
        if size == "small":
            add_tickets(acme, 990)
            add_tickets(nord, 500)
    # A search for a visible key redirects without rendering a page: no unread count for the header. A text
    # first asks how many tickets hold its exact words and whether one of them is a visible request (else a
    # typo is forgiven): two queries more.
    assert measured == {
        (size, who, path): LIST_QUERIES[who] - ("ACME-3" in path) + 2 * ("q=" in path and "bogus" not in path)
        for size in ("small", "large")
        for who in LIST_QUERIES
        for path in LIST_PATHS
    }
    client.force_login(acme.admin)
    full = client.get("/portal/requests/?q=bulk+request")
    assert len(full.context["page"].rows) == 25 and full.context["page"].next_cursor is not None
    sql = queries(client, "/portal/requests/?q=bulk+request")
    assert [q for q in sql if q.upper().startswith("SELECT COUNT") and "notifications_" not in q] == []


def test_search_finds_danish_letters_in_any_case_on_every_database(client, acme):
    """SQLite's own LIKE folds only ASCII letters; the search folds æ, ø and å too (`picocore.core.search`)."""
    acme.ticket(by=acme.requester, title="Æbleskiver på forsiden", description="Den GRØNNE knap virker ikke")
    acme.ticket(by=acme.requester, title="Prices", description="nothing Danish")
    client.force_login(acme.requester)
    for typed in ("æble", "ÆBLE", "PÅ FORSIDEN", "grønne", "GRØNNE KNAP"):
        assert keys(client.get(LIST, {"q": typed})) == ["ACME-1"], typed
    assert keys(client.get(LIST, {"q": "grønne prices"})) == []
