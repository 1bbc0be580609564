"""Every action of the desk, through the pages a consultant uses: what changes, what the customer then sees in
the portal, and — for every refusal — the message, the status code, and that nothing changed."""

import base64
import datetime as dt
import html
import json
import re

import pytest
from django.urls import reverse

from picocore.catalog.choices import Impact, Priority, TicketType, Urgency
from picocore.core.clock import now
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation
from picocore.tickets.choices import Channel, EventKind, LinkKind, Status
from picocore.tickets.models import Ticket, TicketLink
from picocore.tickets.queues import SORTS
from picocore.tickets.services import ticket_set_next_step, ticket_take, ticket_transition
from tests import factories
from tests.conftest import make_customer
from tests.desk.conftest import (
    ACME_NOTE,
    ACME_NOTE_FILE,
    DeskWorld,
    action_error,
    body,
    bulk_results,
    form_errors,
    messages_shown,
    page,
    state,
    upload,
)

pytestmark = pytest.mark.django_db

NO_SUCH_TICKET = "No such ticket, or not yours to work on."
NOT_VALID = "Select a valid choice. That choice is not one of the available choices."


def url(name: str, key: str) -> str:
    return reverse(f"desk:{name}", args=[key])


def text(response) -> str:
    """The page's visible text, tags removed and white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page(response))).split())


def ticket(key: str) -> Ticket:
    return Ticket.objects.get(key=key)


def in_progress(world: DeskWorld, *tickets: Ticket) -> None:
    for t in tickets:
        ticket_transition(actor=world.consultant, ticket=t, to=Status.IN_PROGRESS)


@pytest.fixture
def carla(client, world):
    """The client, signed in as Carla, who works ACME's and Nord's tickets."""
    client.force_login(world.consultant)
    return client


@pytest.fixture
def zeta(world):
    """A customer none of Carla's teams serves, with ZETA-1."""
    customer = make_customer("ZETA")
    customer.ticket(title="Zeta invoice run")
    return customer


def refused(client, path: str, data: dict, *, status: int) -> str:
    """Post an action that must be refused: the ticket page with the reason, and nothing changed."""
    before = state()
    response = client.post(path, data)
    assert response.status_code == status
    assert state() == before
    return action_error(response)


# --- Take and assign -------------------------------------------------------------------------------------------


def test_take(carla, world):
    response = carla.post(url("take", "ACME-1"), follow=True)
    assert response.redirect_chain == [("/desk/tickets/ACME-1/", 302)]
    assert messages_shown(response) == ["You own this ticket now."]
    taken = ticket("ACME-1")
    assert (taken.team, taken.assignee) == (world.operations, world.consultant)
    event = taken.events.latest("id")
    assert (event.kind, event.public, event.actor, event.data["before"], event.data["after"]) == (
        EventKind.FIELD_CHANGED, True, world.consultant, {"team": world.operations.pk, "assignee": None},
        {"team": world.operations.pk, "assignee": world.consultant.pk},
    )  # fmt: skip


def test_assign_to_another_team_serving_the_customer(carla, world):
    second_line = factories.TeamFactory(name="Second line")
    second_line.organisations.add(world.acme.organisation)
    sam = factories.StaffFactory(full_name="Sam Second", staff_role=StaffRole.CONSULTANT)
    second_line.members.add(sam)
    response = carla.post(url("assign", "ACME-1"), {"team": second_line.pk, "assignee": sam.pk})
    assert (response.status_code, response["Location"]) == (302, "/desk/tickets/ACME-1/")
    assigned = ticket("ACME-1")
    assert (assigned.team, assigned.assignee) == (second_line, sam)
    assert assigned.events.latest("id").data["after_label"] == "Sam Second, Second line"


def test_assign_to_a_team_not_serving_the_customer_is_refused(carla, world):
    error = refused(carla, url("assign", "ACME-1"), {"team": world.nord_desk.pk}, status=400)
    assert error == f"Not done: Team: {NOT_VALID}"


def test_assign_to_a_consultant_outside_the_team_is_refused(carla, world):
    second_line = factories.TeamFactory(name="Second line")
    second_line.organisations.add(world.acme.organisation)
    sam = factories.StaffFactory(full_name="Sam Second", staff_role=StaffRole.CONSULTANT)
    second_line.members.add(sam)
    error = refused(carla, url("assign", "ACME-1"), {"team": world.operations.pk, "assignee": sam.pk}, status=400)
    assert error == "Not done: Sam Second is not a member of Operations."


# --- Status ----------------------------------------------------------------------------------------------------


def test_allowed_transition(carla, world):
    response = carla.post(url("transition", "ACME-1"), {"to": Status.IN_PROGRESS, "expected_status": Status.NEW})
    assert (response.status_code, response["Location"]) == (302, "/desk/tickets/ACME-1/")
    changed = ticket("ACME-1")
    assert changed.status == Status.IN_PROGRESS
    event = changed.events.latest("id")
    assert (event.kind, event.public, event.data) == (
        EventKind.STATUS_CHANGED, True, {"field": "status", "before": "new", "after": "in_progress"}
    )  # fmt: skip


def test_refused_transition_lists_the_allowed_ones(carla, world):
    error = refused(
        carla, url("transition", "ACME-1"), {"to": Status.RESOLVED, "note": "Done", "expected_status": "new"},
        status=409,
    )  # fmt: skip
    assert error == (
        "Not done: ACME-1 is new and cannot become resolved. Allowed next: triaged, in progress, cancelled."
    )


def test_resolving_needs_a_note(carla, world):
    in_progress(world, world.ticket)
    error = refused(carla, url("transition", "ACME-1"), {"to": Status.RESOLVED, "note": "  "}, status=400)
    assert error == "Not done: Resolving needs a resolution note for the customer."


def test_a_stale_page_changes_nothing(carla, world):
    """Carla's page still said "triaged"; meanwhile someone else started work on it."""
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.TRIAGED)
    ticket_transition(actor=world.manager, ticket=world.ticket, to=Status.IN_PROGRESS)
    error = refused(
        carla, url("transition", "ACME-1"), {"to": Status.CANCELLED, "expected_status": Status.TRIAGED}, status=409
    )
    assert error == "Not done: ACME-1 changed while you were looking at it: it is now in progress. Nothing was changed."


def test_an_unknown_status_is_refused(carla, world):
    error = refused(carla, url("transition", "ACME-1"), {"to": "done"}, status=400)
    assert error == "Not done: New status: Select a valid choice. done is not one of the available choices."


# --- Conversation ----------------------------------------------------------------------------------------------


def test_a_public_reply_reaches_the_customer(carla, client, world):
    carla.post(url("reply", "ACME-1"), {"body": "We restarted the CDN.", "attachments": [upload("cdn.log", b"ok\n")]})
    reply = ticket("ACME-1").events.latest("id")
    assert (reply.kind, reply.public, reply.body) == (EventKind.PUBLIC_REPLY, True, "We restarted the CDN.")
    file = reply.attachments.get()

    client.force_login(world.acme.requester)
    portal = client.get("/portal/requests/ACME-1/")
    assert "We restarted the CDN." in text(portal)
    assert "cdn.log" in text(portal)
    assert body(client.get(f"/portal/requests/ACME-1/files/{file.pk}/")) == b"ok\n"


def test_an_internal_note_and_its_file_stay_internal(carla, client, world):
    response = carla.post(
        url("note", "ACME-1"), {"body": "Customer is on a payment plan.", "attachments": [upload("plan.txt", b"x")]}
    )
    assert response.status_code == 302
    note = ticket("ACME-1").events.latest("id")
    assert (note.kind, note.public) == (EventKind.INTERNAL_NOTE, False)
    file = note.attachments.get()
    assert file.public is False
    assert body(carla.get(reverse("desk:attachment", args=["ACME-1", file.pk]))) == b"x"

    client.force_login(world.acme.requester)
    portal = client.get("/portal/requests/ACME-1/")
    assert portal.status_code == 200
    hidden = ("Customer is on a payment plan.", "plan.txt", ACME_NOTE, ACME_NOTE_FILE)
    assert [s for s in hidden if s in text(portal)] == []
    before = state()
    for internal in (file, world.internal_file):
        assert client.get(f"/portal/requests/ACME-1/files/{internal.pk}/").status_code == 404
    assert state() == before


def test_an_empty_reply_is_refused(carla, world):
    error = refused(carla, url("reply", "ACME-1"), {"body": "  "}, status=400)
    assert error == "Not done: Write a reply or attach a file before sending."


def test_a_file_type_we_do_not_accept_is_refused(carla, world):
    data = {"body": "See attached.", "attachments": [upload("run.exe", b"MZ")]}
    error = refused(carla, url("note", "ACME-1"), data, status=400)
    assert error.startswith("Not done: “run.exe” is a type of file we do not accept.")


def test_replies_to_a_closed_ticket_are_refused(carla, world):
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.CANCELLED)
    error = refused(carla, url("reply", "ACME-1"), {"body": "Hello?"}, status=409)
    assert error == "Not done: ACME-1 is cancelled and takes no more replies; please submit a new request."


def test_the_customer_sees_the_next_step(carla, client, world):
    response = carla.post(url("next_step", "ACME-1"), {"text": "Re-run the import", "due": "2030-01-15"}, follow=True)
    assert messages_shown(response) == ["Next step updated; the customer sees it."]
    assert (ticket("ACME-1").next_step, ticket("ACME-1").next_step_due) == ("Re-run the import", dt.date(2030, 1, 15))
    client.force_login(world.acme.requester)
    portal = text(client.get("/portal/requests/ACME-1/"))
    assert "Re-run the import" in portal
    assert "Tue 15 Jan 2030" in portal


def test_a_next_step_needs_words_and_a_real_date(carla, world):
    error = refused(carla, url("next_step", "ACME-1"), {"text": "", "due": "2030-01-15"}, status=400)
    assert error == "Not done: Say what the next step is, not only when."
    error = refused(carla, url("next_step", "ACME-1"), {"text": "Call back", "due": "soon"}, status=400)
    assert error == "Not done: Expected by: Enter a valid date."


def test_a_priority_change_needs_a_reason_the_customer_sees(carla, client, world):
    before = ticket("ACME-1").priority
    error = refused(carla, url("priority", "ACME-1"), {"priority": 1, "reason": ""}, status=400)
    assert error == "Not done: Say why the priority changes; the customer sees it."

    response = carla.post(url("priority", "ACME-1"), {"priority": 1, "reason": "All shops are down."})
    assert response.status_code == 302
    changed = ticket("ACME-1")
    assert changed.priority == 1
    assert changed.priority_reason == (
        f"Changed from {Priority(before).label} to P1 by Carla Consultant: All shops are down."
    )
    client.force_login(world.acme.requester)
    portal = client.get("/portal/requests/ACME-1/")
    assert portal.context["ticket"].priority == 1
    assert "All shops are down." in text(portal)


# --- Links and merges ------------------------------------------------------------------------------------------


def test_link_by_key(carla, world):
    response = carla.post(url("link", "ACME-1"), {"kind": LinkKind.RELATED, "other": " acme-2 "})
    assert (response.status_code, response["Location"]) == (302, "/desk/tickets/ACME-1/")
    assert list(TicketLink.objects.values_list("source__key", "target__key", "kind")) == [
        ("ACME-1", "ACME-2", "related")
    ]
    assert [(e.ticket.key, e.public, e.data) for e in ticket("ACME-1").events.filter(kind=EventKind.LINKED)] == [
        ("ACME-1", False, {"link": "related", "direction": "out", "other": "ACME-2"})
    ]
    assert [e.data for e in ticket("ACME-2").events.filter(kind=EventKind.LINKED)] == [
        {"link": "related", "direction": "in", "other": "ACME-1"}
    ]


def test_link_to_a_key_that_is_not_workable_is_refused_alike(carla, world, zeta):
    unknown = refused(carla, url("link", "ACME-1"), {"kind": "related", "other": "ACME-999"}, status=400)
    foreign = refused(carla, url("link", "ACME-1"), {"kind": "related", "other": "ZETA-1"}, status=400)
    assert unknown == "Not done: There is no ticket ACME-999 that you can work on."
    assert foreign == "Not done: There is no ticket ZETA-1 that you can work on."


def test_link_to_another_customer_or_itself_or_twice_is_refused(carla, world):
    other_customer = refused(carla, url("link", "ACME-1"), {"kind": "related", "other": "NORD-1"}, status=400)
    assert other_customer == "Not done: Only tickets of the same customer can be linked."
    itself = refused(carla, url("link", "ACME-1"), {"kind": "related", "other": "ACME-1"}, status=400)
    assert itself == "Not done: A ticket cannot be linked to itself."
    carla.post(url("link", "ACME-1"), {"kind": "related", "other": "ACME-2"})
    twice = refused(carla, url("link", "ACME-1"), {"kind": "related", "other": "ACME-2"}, status=400)
    assert twice == "Not done: These tickets are already linked this way."


def test_merge_sends_the_duplicate_requester_to_the_survivor(carla, client, world):
    survivor = world.acme.ticket(by=world.acme.admin, title="Prices wrong everywhere")
    assert survivor.key == "ACME-3"
    client.force_login(world.acme.requester)
    assert client.get("/portal/requests/ACME-3/").status_code == 404  # not theirs, before the merge

    client.force_login(world.consultant)
    response = client.post(url("merge", "ACME-1"), {"into": "ACME-3"}, follow=True)
    assert response.redirect_chain == [("/desk/tickets/ACME-3/", 302)]
    assert messages_shown(response) == ["Merged; the customer has been told where to follow it."]
    duplicate = ticket("ACME-1")
    assert (duplicate.status, duplicate.merged_into.key) == (Status.CLOSED, "ACME-3")
    assert list(TicketLink.objects.values_list("source__key", "target__key", "kind")) == [
        ("ACME-1", "ACME-3", "duplicate_of")
    ]

    client.force_login(world.acme.requester)
    assert "continues as ACME-3" in text(client.get("/portal/requests/ACME-1/"))
    followed = client.get("/portal/requests/ACME-3/")
    assert followed.status_code == 200
    assert "Prices wrong everywhere" in text(followed)


def test_merge_into_an_unknown_or_finished_ticket_is_refused(carla, world):
    unknown = refused(carla, url("merge", "ACME-1"), {"into": "ACME-999"}, status=400)
    assert unknown == "Not done: There is no ticket ACME-999 that you can work on."
    finished = world.acme.ticket(title="Old one")
    ticket_transition(actor=world.consultant, ticket=finished, to=Status.CANCELLED)
    error = refused(carla, url("merge", "ACME-1"), {"into": finished.key}, status=409)
    assert error == "Not done: ACME-3 is finished; merge into an open ticket."


# --- Development -----------------------------------------------------------------------------------------------


def test_hand_off_a_change_request(carla, world):
    world.acme.ticket(title="Checkout redesign", request_type=world.change_type)
    response = carla.post(url("hand_off", "ACME-3"), {"team": world.acme_development.pk, "brief": "Phase two."})
    assert (response.status_code, response["Location"]) == (302, "/desk/tickets/ACME-3/")
    item = DevelopmentItem.objects.latest("id")
    assert (item.ticket.key, item.team, item.brief, item.milestone, item.handed_over_by) == (
        "ACME-3", world.acme_development, "Phase two.", Milestone.HANDED_OVER, world.consultant
    )  # fmt: skip
    event = ticket("ACME-3").events.latest("id")
    assert (event.kind, event.public, event.data["after"]) == (EventKind.DEVELOPMENT, True, "handed_over")
    assert ticket("ACME-3").assignee is None  # operations keeps the ticket


def test_handing_off_again_keeps_the_one_item(carla, world):
    before = state()
    response = carla.post(url("hand_off", "ACME-2"), {"team": world.acme_development.pk, "brief": "New layout."})
    assert (response.status_code, response["Location"]) == (302, "/desk/tickets/ACME-2/")
    assert state() == before  # the same item, no second timeline entry, nobody notified again
    assert list(DevelopmentItem.objects.filter(ticket__key="ACME-2").values_list("pk", flat=True)) == [world.item.pk]


def test_an_incident_is_not_handed_to_development(carla, world):
    data = {"team": world.acme_development.pk, "brief": "Please fix."}
    error = refused(carla, url("hand_off", "ACME-1"), data, status=400)
    assert error == "Not done: Only change requests go to development; incidents stay with operations."


def test_a_hand_off_needs_a_brief_and_a_development_team_of_the_customer(carla, world):
    error = refused(carla, url("hand_off", "ACME-2"), {"team": world.acme_development.pk, "brief": ""}, status=400)
    assert error == "Not done: Write a brief: what to build and why."
    nord_team = {"team": world.nord_development.pk, "brief": "Phase two."}
    error = refused(carla, url("hand_off", "ACME-2"), nord_team, status=400)
    assert error == f"Not done: Development team: {NOT_VALID}"


def test_developers_move_milestones_forward_only_and_the_customer_sees_them(client, world):
    client.force_login(world.acme_developer)
    path = reverse("desk:development_item", args=[world.item.pk])
    response = client.post(path, {"milestone": Milestone.ACCEPTED}, follow=True)
    assert response.redirect_chain == [(path, 302)]
    assert messages_shown(response) == ["Milestone updated; the customer sees it."]
    unknown = client.post(path, {"milestone": "shipped"})
    assert unknown.status_code == 400
    assert form_errors(unknown) == ["Select a valid choice. shipped is not one of the available choices."]
    assert client.post(path, {"milestone": Milestone.RELEASED}).status_code == 302  # skipping ahead is fine

    before = state()
    backward = client.post(path, {"milestone": Milestone.ACCEPTED})
    assert backward.status_code == 409
    assert form_errors(backward) == ["The item is already “Released”; it moves no further."]
    assert text(backward).count("The item is already “Released”; it moves no further.") == 1
    assert 'name="milestone"' not in page(backward)  # nothing is left to offer
    assert state() == before

    events = ticket("ACME-2").events.filter(kind=EventKind.DEVELOPMENT).order_by("id")
    assert [(e.public, e.data["before"], e.data["after"]) for e in events] == [
        (True, None, "handed_over"), (True, "handed_over", "accepted"), (True, "accepted", "released")
    ]  # fmt: skip
    client.force_login(world.acme.requester)
    portal = client.get("/portal/requests/ACME-2/")
    development = [e.data["after"] for e in portal.context["timeline"] if e.kind == EventKind.DEVELOPMENT]
    assert development == ["handed_over", "accepted", "released"]
    assert "Accepted by development" in text(portal)
    assert "Released" in text(portal)


def test_the_milestone_form_offers_only_the_next_moves_and_a_stale_move_is_refused_once(client, world):
    client.force_login(world.acme_developer)
    path = reverse("desk:development_item", args=[world.item.pk])
    assert _offered_milestones(client.get(path)) == ["accepted", "in_progress", "ready_for_release", "released"]
    client.post(path, {"milestone": Milestone.IN_PROGRESS})
    assert _offered_milestones(client.get(path)) == ["ready_for_release", "released"]

    before = state()
    stale = client.post(path, {"milestone": Milestone.ACCEPTED})  # from a page loaded before the move
    assert stale.status_code == 409
    message = "The item is already “In development”; milestones only move forward."
    assert form_errors(stale) == [message]
    assert text(stale).count(message) == 1
    assert _offered_milestones(stale) == ["ready_for_release", "released"]
    assert state() == before


def _offered_milestones(response) -> list[str]:
    select = re.search(r'<select name="milestone".*?</select>', page(response), re.S)
    assert select is not None, "the page offers no milestone"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


# --- Phone calls -----------------------------------------------------------------------------------------------


def _call(world: DeskWorld, **overrides) -> dict:
    data = {
        "contact": world.acme.requester.memberships.get().pk,
        "request_type": world.acme.incident.pk,
        "title": "Shop down",
        "description": "Called at 9:02; nothing loads.",
        "impact": Impact.HIGH,
        "urgency": Urgency.HIGH,
        "environment": world.acme.production.pk,
    }
    data.update(overrides)
    return data


def test_a_phone_call_becomes_a_ticket_for_the_caller(carla, world):
    response = carla.post(reverse("desk:phone"), _call(world), follow=True)
    assert response.redirect_chain == [("/desk/tickets/ACME-3/", 302)]
    assert messages_shown(response) == ["ACME-3 logged for ACME Requester."]
    logged = ticket("ACME-3")
    assert (logged.channel, logged.requester, logged.organisation, logged.title, logged.status) == (
        Channel.PHONE, world.acme.requester, world.acme.organisation, "Shop down", Status.NEW
    )  # fmt: skip
    # Whoever logged the call owns the ticket: assignee, with a team of theirs serving the customer.
    assert (logged.solution, logged.environment, logged.team, logged.assignee) == (
        world.acme.solution, world.acme.production, world.operations, world.consultant
    )  # fmt: skip
    created, owned = logged.events.order_by("id")
    assert (created.kind, created.actor, created.data["channel"]) == (EventKind.CREATED, world.consultant, "phone")
    assert (owned.kind, owned.actor, owned.data["field"], owned.data["after_label"]) == (
        EventKind.FIELD_CHANGED, world.consultant, "owner", "Carla Consultant, Operations"
    )  # fmt: skip


def test_a_phone_call_with_missing_fields_saves_nothing(carla, world):
    before = state()
    response = carla.post(reverse("desk:phone"), {"contact": world.acme.requester.memberships.get().pk})
    assert response.status_code == 400
    assert "Not logged yet. Please correct the fields marked below." in text(response)
    assert form_errors(response) == ["This field is required."] * 5  # type, title, description, impact, urgency
    assert state() == before


def test_a_contact_of_a_customer_not_served_is_not_offered_nor_accepted(carla, world, zeta):
    offered = carla.get(reverse("desk:phone")).context["form"].fields["contact"].queryset
    assert sorted(m.organisation.key_prefix for m in offered) == ["ACME", "ACME", "NORD", "NORD"]
    before = state()
    data = _call(world, contact=zeta.requester.memberships.get().pk, request_type=zeta.incident.pk, environment="")
    response = carla.post(reverse("desk:phone"), data)
    assert response.status_code == 400
    assert form_errors(response) == [NOT_VALID]
    assert state() == before


def test_a_phone_call_for_a_request_type_the_contract_lacks_is_refused(carla, world):
    before = state()
    response = carla.post(reverse("desk:phone"), _call(world, request_type=world.nord.incident.pk))
    assert response.status_code == 400
    assert form_errors(response) == ["Choose a request type your subscription offers."]
    assert state() == before


# --- Bulk actions ----------------------------------------------------------------------------------------------


@pytest.fixture
def mixed(world, zeta) -> list[str]:
    """ACME-1 new, ACME-3 and ACME-4 in progress, ZETA-1 not Carla's, ACME-999 nobody's."""
    third, fourth = world.acme.ticket(title="Third"), world.acme.ticket(title="Fourth")
    in_progress(world, third, fourth)
    return ["ACME-1", "ACME-3", "ZETA-1", "ACME-4", "ACME-999"]


def test_bulk_resolve_does_what_it_may_and_reports_each_ticket(carla, world, mixed):
    data = {"action": "transition", "to": Status.RESOLVED, "note": "Fixed in 7.2", "keys": mixed,
            "back": "/desk/queues/team/?sort=oldest"}  # fmt: skip
    response = carla.post(reverse("desk:bulk"), data)
    assert response.status_code == 200
    assert bulk_results(response) == [
        ("ACME-1", False, "ACME-1 is new and cannot become resolved. Allowed next: triaged, in progress, cancelled."),
        ("ACME-3", True, "Done."),
        ("ZETA-1", False, NO_SUCH_TICKET),
        ("ACME-4", True, "Done."),
        ("ACME-999", False, NO_SUCH_TICKET),
    ]
    statuses = dict(Ticket.objects.values_list("key", "status"))
    assert {k: statuses.get(k) for k in mixed} == {
        "ACME-1": "new", "ACME-3": "resolved", "ZETA-1": "new", "ACME-4": "resolved", "ACME-999": None
    }  # fmt: skip
    assert ticket("ACME-3").events.latest("id").body == "Fixed in 7.2"
    rows = re.findall(r'<tr class="(ok|refused)"><td><a href="[^"]+">([A-Z]+-\d+)</a>', page(response))
    assert rows == [("refused", "ACME-1"), ("ok", "ACME-3"), ("refused", "ZETA-1"), ("ok", "ACME-4"),
                    ("refused", "ACME-999")]  # fmt: skip
    assert 'href="/desk/queues/team/?sort=oldest">Back to the queue' in page(response)


def test_bulk_resolve_without_a_note_is_refused_per_ticket(carla, world, mixed):
    before = state()
    response = carla.post(reverse("desk:bulk"), {"action": "transition", "to": "resolved", "keys": mixed[1::2]})
    refusal = "Resolving needs a resolution note for the customer."
    assert bulk_results(response) == [("ACME-3", False, refusal), ("ACME-4", False, refusal)]
    assert state() == before


def test_bulk_take_and_assign(carla, world, mixed):
    taken = carla.post(reverse("desk:bulk"), {"action": "take", "keys": ["ACME-1", "NORD-1", "ZETA-1"]})
    assert bulk_results(taken) == [
        ("ACME-1", True, "Done."),
        ("NORD-1", True, "Done."),
        ("ZETA-1", False, NO_SUCH_TICKET),
    ]
    assert [ticket(k).assignee for k in ("ACME-1", "NORD-1", "ZETA-1")] == [world.consultant, world.consultant, None]

    data = {"action": "assign", "team": world.nord_desk.pk, "assignee": world.outsider.pk, "keys": ["ACME-3", "NORD-2"]}
    assigned = carla.post(reverse("desk:bulk"), data)
    assert bulk_results(assigned) == [
        ("ACME-3", False, "Nord desk does not serve Acme Ltd."),
        ("NORD-2", True, "Done."),
    ]
    assert (ticket("NORD-2").team, ticket("NORD-2").assignee) == (world.nord_desk, world.outsider)
    assert ticket("ACME-3").assignee is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "take"}, "Choose an action and at least one ticket."),
        ({"action": "explode", "keys": ["ACME-1"]}, "Choose an action and at least one ticket."),
        ({"action": "transition", "to": "", "keys": ["ACME-1"]}, "Choose the new status."),
    ],
)
def test_bulk_without_what_it_needs_changes_nothing(carla, world, data, message):
    before = state()
    response = carla.post(reverse("desk:bulk"), {**data, "back": "/desk/queues/team/"}, follow=True)
    assert response.redirect_chain == [("/desk/queues/team/", 302)]
    assert messages_shown(response) == [message]
    assert state() == before


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/desk/",
        "//evil.example/",
        "javascript:alert(1)",
        "abc",
        "a\x00b",
        "/desk/\x00",
        "/d\r\nX: y",
    ],
)
def test_bulk_never_sends_anyone_to_another_site_or_a_broken_link(carla, world, back):
    response = carla.post(reverse("desk:bulk"), {"action": "take", "back": back})
    assert (response.status_code, response["Location"]) == (302, "/desk/queues/mine/")
    result = carla.post(reverse("desk:bulk"), {"action": "take", "keys": ["ACME-1"], "back": back})
    assert result.context["back"] == "/desk/queues/mine/"
    assert back not in page(result)


# --- Queues: pagination, filters, sorting ----------------------------------------------------------------------


def _bulk_tickets(world: DeskWorld, count: int) -> None:
    """`count` open ACME tickets owned by Carla's team, in threes with the same `updated_at` (ties must not
    lose or repeat a ticket between pages), priorities cycling through P1–P5."""
    organisation = Organisation.objects.get(pk=world.acme.organisation.pk)
    first = organisation.last_ticket_number + 1
    start = now() - dt.timedelta(days=10)
    Ticket.objects.bulk_create(
        Ticket(organisation=organisation, number=n, key=f"ACME-{n}", ticket_type=TicketType.INCIDENT,
               request_type=world.acme.incident, title=f"Bulk {n}", description=".", requester=world.acme.requester,
               impact=Impact.LOW, urgency=Urgency.LOW, priority=1 + n % 5, priority_reason="-", status=Status.TRIAGED,
               team=world.operations, created_at=start + dt.timedelta(minutes=n),
               updated_at=start + dt.timedelta(minutes=n // 3))
        for n in range(first, first + count)
    )  # fmt: skip
    Organisation.objects.filter(pk=organisation.pk).update(last_ticket_number=first + count - 1)


def _walk(client, path: str, query: str = "") -> list[list[str]]:
    """Every page of a queue, following each page's "Next page" link as a person would."""
    pages, link = [], f"{path}?{query}"
    while link:
        response = client.get(link)
        assert response.status_code == 200
        pages.append([t.key for t in response.context["page"].rows])
        found = re.search(r'<a href="(\?[^"]*)" rel="next">', page(response))
        link = path + html.unescape(found.group(1)) if found else ""
    return pages


def test_walking_a_queue_visits_every_ticket_exactly_once(carla, world):
    _bulk_tickets(world, 130)
    open_tickets = Ticket.objects.filter(team=world.operations, status__in=[Status.NEW, Status.TRIAGED])
    assert open_tickets.count() == 132  # ACME-1, ACME-2 and the 130 above
    for sort, order in (("updated", ("-updated_at", "-id")), ("oldest", ("updated_at", "id")),
                        ("newest", ("-created_at", "-id")), ("priority", ("priority", "id"))):  # fmt: skip
        expected = list(open_tickets.order_by(*order).values_list("key", flat=True))

        pages = _walk(carla, "/desk/queues/team/", f"sort={sort}")

        assert [len(p) for p in pages] == [50, 50, 32], sort
        assert [key for p in pages for key in p] == expected, sort
        assert len({key for p in pages for key in p}) == 132, sort


def test_the_next_page_link_keeps_the_filters(carla, world):
    _bulk_tickets(world, 130)
    pages = _walk(carla, "/desk/queues/team/", "q=bulk&priority=2&sort=newest")
    expected = [f"ACME-{n}" for n in range(132, 2, -1) if 1 + n % 5 == 2]
    assert [len(p) for p in pages] == [26]
    assert pages[0] == expected
    pages = _walk(carla, "/desk/queues/team/", "q=bulk&sort=priority")
    assert [len(p) for p in pages] == [50, 50, 30]
    assert [key for p in pages for key in p][:3] == ["ACME-5", "ACME-10", "ACME-15"]


def _cursor(value) -> str:
    """A cursor as `picocore.core.pagination` writes them, around any value."""
    return base64.urlsafe_b64encode(json.dumps([value, 5]).encode()).decode().rstrip("=")


# Cursors edited by hand or kept from a list sorted otherwise, and the sorts for which each is nonsense.
TAMPERED = {
    "not-base64": ("garbage!", ("updated", "priority")),
    "list": (_cursor([3]), ("updated", "priority")),
    "text": (_cursor("abc"), ("updated", "priority")),
    "datetime": (_cursor({"dt": "2025-01-01T00:00:00+00:00"}), ("priority",)),
    "number": (_cursor(3), ("updated",)),
    "naive-datetime": (_cursor({"dt": "2025-01-01T00:00:00"}), ("updated", "priority")),
    "null": (_cursor(None), ("updated", "priority")),
    "infinite value": ("W0luZmluaXR5LDVd", ("updated", "priority")),  # [Infinity,5]
    "NaN value": ("W05hTiw1XQ", ("updated", "priority")),  # [NaN,5]
    "value beyond any integer column": (_cursor(2**63), ("priority",)),
    "moment beyond year 9999 in UTC": (_cursor({"dt": "9999-12-31T23:00:00-05:00"}), ("updated", "priority")),
    "moment before year 1 in UTC": (_cursor({"dt": "0001-01-01T00:00:00+05:00"}), ("updated", "priority")),
    "infinite id": ("WzMsSW5maW5pdHld", ("updated", "priority")),  # [3,Infinity]
    "id overflowing to infinity": ("WzMsMWU0MDBd", ("updated", "priority")),  # [3,1e400]
    "id beyond bigint": ("WzMsOTIyMzM3MjAzNjg1NDc3NTgwOF0", ("updated", "priority")),  # [3,9223372036854775808]
    "id with NUL": ("WzMsIlx1MDAwMCJd", ("updated", "priority")),  # [3,"\u0000"]
    "NUL": ("\x00", ("updated", "priority")),
}


def test_a_tampered_cursor_shows_the_first_page_and_says_so(carla, world):
    """A cursor is user input: a nonsensical one (infinity, NaN, ids and moments no database holds) gives the
    first page with a message saying so (400), not an error page."""
    first = {sort: carla.get("/desk/queues/team/", {"sort": sort}).context["page"].rows for sort in SORTS}
    assert [t.key for t in first["updated"]] == ["ACME-2", "ACME-1"]
    shown = {}
    for name, (after, sorts) in TAMPERED.items():
        for sort in sorts:
            response = carla.get("/desk/queues/team/", {"sort": sort, "after": after})
            page_ = response.context["page"]
            shown[(name, sort)] = (
                response.status_code,
                page_.is_first,
                page_.rows == first[sort],
                form_errors(response),
            )
    refused = (400, True, True, ["Page: This page link is broken or out of date; here is the first page."])
    assert shown == {(name, sort): refused for name, (_, sorts) in TAMPERED.items() for sort in sorts}


@pytest.fixture
def varied(world) -> DeskWorld:
    """Five open tickets that differ in every filtered field. Updated most recently first: ACME-1, ACME-3,
    NORD-2, NORD-1, ACME-2; created newest first: ACME-3, NORD-2, NORD-1, ACME-2, ACME-1."""
    shop = factories.SolutionFactory(organisation=world.acme.organisation, name="ACME Shop")
    shop_production = factories.EnvironmentFactory(solution=shop, kind="production")
    third = world.acme.ticket(title="Checkout slow", impact=Impact.LOW, urgency=Urgency.LOW, solution=shop,
                              environment=shop_production)  # fmt: skip
    ticket_take(actor=world.consultant, ticket=third)
    ticket_transition(actor=world.consultant, ticket=third, to=Status.IN_PROGRESS)
    ticket_set_next_step(actor=world.consultant, ticket=world.ticket, text="Check the CDN", due=None)
    world.shop = shop
    return world


FILTER_CASES = {
    "none": ({}, ["ACME-1", "ACME-3", "NORD-2", "NORD-1", "ACME-2"]),
    "organisation": ({"organisation": "acme"}, ["ACME-1", "ACME-3", "ACME-2"]),
    "other organisation": ({"organisation": "nord"}, ["NORD-2", "NORD-1"]),
    "type": ({"type": "change_request"}, ["NORD-2", "ACME-2"]),
    "organisation and type": ({"organisation": "acme", "type": "incident"}, ["ACME-1", "ACME-3"]),
    "priority": ({"priority": "p-third"}, ["ACME-3"]),
    "status": ({"status": "in_progress"}, ["ACME-3"]),
    "solution": ({"solution": "shop"}, ["ACME-3"]),
    "other solution": ({"solution": "pim"}, ["ACME-1", "ACME-2"]),
    "assignee": ({"assignee": "carla"}, ["ACME-3"]),
    "key": ({"q": "ACME-2"}, ["ACME-2"]),
    "key in lower case with spaces": ({"q": " nord-1 "}, ["NORD-1"]),
    "title": ({"q": "checkout"}, ["ACME-3"]),
    "no match": ({"q": "nothing like it"}, []),
    "nonsense ignored": (
        {"organisation": "x", "type": "bogus", "status": "bogus", "priority": "x", "assignee": "x", "solution": "x"},
        ["ACME-1", "ACME-3", "NORD-2", "NORD-1", "ACME-2"],
    ),
    "ids too large for the database ignored": (
        {"organisation": "9" * 30, "assignee": "9" * 30, "solution": "9" * 30, "priority": "9" * 30},
        ["ACME-1", "ACME-3", "NORD-2", "NORD-1", "ACME-2"],
    ),
    "missing organisation": ({"organisation": "999999"}, []),
    "oldest": ({"sort": "oldest"}, ["ACME-2", "NORD-1", "NORD-2", "ACME-3", "ACME-1"]),
    "newest": ({"sort": "newest"}, ["ACME-3", "NORD-2", "NORD-1", "ACME-2", "ACME-1"]),
    "priority order": ({"sort": "priority"}, ["ACME-1", "ACME-2", "NORD-1", "NORD-2", "ACME-3"]),
    "unknown sort": ({"sort": "bogus"}, ["ACME-1", "ACME-3", "NORD-2", "NORD-1", "ACME-2"]),
}


def test_filters_and_sorts(client, varied):
    world = varied
    ids = {
        "acme": world.acme.organisation.pk,
        "nord": world.nord.organisation.pk,
        "shop": world.shop.pk,
        "pim": world.acme.solution.pk,
        "carla": world.consultant.pk,
        "p-third": ticket("ACME-3").priority,
    }
    client.force_login(world.manager)
    shown = {}
    for name, (query, _) in FILTER_CASES.items():
        response = client.get("/desk/queues/all/", {k: ids.get(v, v) for k, v in query.items()})
        assert response.status_code == (400 if name in UNREADABLE_FILTERS else 200), name
        shown[name] = [t.key for t in response.context["page"].rows]
    assert shown == {name: keys for name, (_, keys) in FILTER_CASES.items()}


UNREADABLE_FILTERS = {"nonsense ignored", "ids too large for the database ignored", "unknown sort"}
NOT_LISTED = "Choose one of the listed options."
ALL_FIVE = ["ACME-1", "ACME-3", "NORD-2", "NORD-1", "ACME-2"]
MALFORMED_FILTERS = {
    "NUL in the search": ("q=ACME-1%00", ALL_FIVE, ["Title or key: Null characters are not allowed."]),
    "search too long": ("q=" + "a" * 201, ALL_FIVE,
                        ["Title or key: Ensure this value has at most 200 characters (it has 201)."]),
    "NUL in an id": ("organisation=1%00", ALL_FIVE, [f"Customer: {NOT_LISTED}"]),
    "id beyond bigint": (f"assignee={2**63}", ALL_FIVE, [f"Assignee: {NOT_LISTED}"]),
    "negative id": ("solution=-1", ALL_FIVE, [f"Solution: {NOT_LISTED}"]),
    "infinite id": ("organisation=inf", ALL_FIVE, [f"Customer: {NOT_LISTED}"]),
    "NaN priority": ("priority=nan", ALL_FIVE,
                     ["Priority: Select a valid choice. nan is not one of the available choices."]),
    "non-ASCII digits": ("organisation=%D9%A1", ALL_FIVE, [f"Customer: {NOT_LISTED}"]),
    "not UTF-8": ("status=%ff&q=%ff", [],
                  ["Status: Select a valid choice. \ufffd is not one of the available choices."]),
    "unknown sort": ("sort=bogus", ALL_FIVE,
                     ["Sort by: Select a valid choice. bogus is not one of the available choices."]),
    "NUL in the sort": ("sort=%00", ALL_FIVE,
                        ["Sort by: Select a valid choice. \x00 is not one of the available choices."]),
    "duplicated: the last one counts": ("type=bogus&type=change_request", ["NORD-2", "ACME-2"], []),
}  # fmt: skip


@pytest.mark.parametrize("name", MALFORMED_FILTERS)
def test_a_filter_that_cannot_be_read_is_named_and_left_out(client, varied, name):
    """NUL, numbers no id column holds, broken percent-encodings and unknown sorts: the queue without that
    filter (400), each problem named above the filters."""
    query, keys, errors = MALFORMED_FILTERS[name]
    client.force_login(varied.manager)
    response = client.get(f"/desk/queues/all/?{query}")
    assert response.status_code == (400 if errors else 200)
    assert [t.key for t in response.context["page"].rows] == keys
    assert form_errors(response) == errors


def test_the_priority_filter_really_narrows(varied):
    """ACME-3 (low impact, low urgency) has a priority of its own, so the priority case above is not vacuous."""
    priorities = dict(Ticket.objects.values_list("key", "priority"))
    assert [k for k, p in priorities.items() if p == priorities["ACME-3"]] == ["ACME-3"]
