"""The customer's journeys through a request: the form for each request type, the request's page, replies and
files, confirming and reopening, and the history. Driven through Django's test client."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, timezone

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.core import reference
from picocore.development.choices import Milestone
from picocore.development.services import development_hand_off, development_item_move
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Attachment, Ticket
from picocore.tickets.services import (
    ticket_assign,
    ticket_change_priority,
    ticket_merge,
    ticket_set_next_step,
    ticket_transition,
)
from tests import factories
from tests.portal.support import body, field_errors, messages_shown, page, resolve, state, upload

pytestmark = pytest.mark.django_db

NOT_SENT = "Your request was not sent yet. Please correct the fields marked below."
REQUIRED = "This field is required."
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


# --- the new request form --------------------------------------------------------------------------------------


def incident_form(acme, **overrides) -> dict:
    data = {
        "title": "Product images missing",
        "description": "Since the 06:00 import no images show on the webshop.",
        "impact": Impact.HIGH,
        "urgency": Urgency.MEDIUM,
        "q_solution": acme.solution.pk,
        "q_environment": acme.production.pk,
        "q_steps": "Open any product page.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def data_import(acme):
    """A service request that asks no impact or urgency and has one question of every kind."""
    request_type = factories.RequestTypeFactory(
        name="Data import",
        slug="data-import",
        asks_impact_and_urgency=False,
        default_impact=Impact.MEDIUM,
        default_urgency=Urgency.LOW,
    )
    questions = [
        ("rows", "Number of rows", FieldKind.NUMBER, True, ""),
        ("go_live", "Go-live date", FieldKind.DATE, False, ""),
        ("format", "File format", FieldKind.CHOICE, True, "CSV\nXLSX\nJSON"),
        ("verified", "Data verified?", FieldKind.YES_NO, False, ""),
        ("solution", "Solution", FieldKind.SOLUTION, False, ""),
        ("environment", "Environment", FieldKind.ENVIRONMENT, False, ""),
        ("notes", "Notes", FieldKind.TEXT, False, ""),
    ]
    # Positions in reverse of creation: the form (and the stored answers) follow `position`, not ids.
    for position, (key, label, kind, required, choices) in zip(range(70, 0, -10), questions, strict=True):
        factories.FormFieldFactory(request_type=request_type, key=key, label=label, kind=kind, required=required,
                                   choices=choices, position=100 - position)  # fmt: skip
    acme.organisation.contracts.get().tier.request_types.add(request_type)
    return request_type


def import_form(acme, **overrides) -> dict:
    data = {
        "title": "Import spring assortment",
        "description": "Please import the attached file.",
        "q_rows": "1200.50",
        "q_go_live": "2025-03-01",
        "q_format": "XLSX",
        "q_verified": "yes",
        "q_solution": acme.solution.pk,
        "q_environment": acme.staging.pk,
        "q_notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_form_offers_only_the_organisations_own_landscape(client, acme, nord, data_import):
    factories.SolutionFactory(organisation=acme.organisation, name="Acme Web")
    client.force_login(acme.requester)
    response = client.get("/portal/new/data-import/")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == [
        "title", "description", "submission", "q_rows", "q_go_live", "q_format", "q_verified", "q_solution",
        "q_environment", "q_notes", "component", "attachments",
    ]  # fmt: skip
    assert [s.name for s in form.fields["q_solution"].listed().rows] == ["ACME PIM", "Acme Web"]
    assert [str(e) for e in form.fields["q_environment"].listed().rows] == [
        "ACME PIM · Production",
        "ACME PIM · Staging",
    ]
    assert "NORD" not in page(response)
    assert 'name="impact"' not in page(response) and 'name="urgency"' not in page(response)


def test_missing_required_answers_are_shown_next_to_each_field_and_nothing_is_saved(client, acme):
    client.force_login(acme.requester)
    before = state()
    response = client.post(f"/portal/new/{acme.incident.slug}/", {"title": "  "})
    assert response.status_code == 400
    assert NOT_SENT in page(response)
    assert "<title>Error: Incident ACME · PicoCore</title>" in page(response)
    for field in ("title", "description", "q_solution", "q_environment", "q_steps", "impact", "urgency"):
        assert field_errors(response, field) == [REQUIRED], field
    assert 'aria-invalid="true"' in page(response)
    assert state() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q_rows", "twelve", "Enter a number."),
        ("q_rows", "NaN", "Enter a number."),
        ("q_go_live", "2025-02-30", "Enter a valid date."),
        ("q_format", "PDF", "Select a valid choice. PDF is not one of the available choices."),
        ("q_verified", "maybe", "Select a valid choice. maybe is not one of the available choices."),
        ("q_solution", "not-a-number", INVALID_CHOICE),
    ],
)
def test_bad_answers_are_refused_next_to_their_field(client, acme, data_import, field, value, message):
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/new/data-import/", import_form(acme, **{field: value}))
    assert response.status_code == 400
    assert field_errors(response, field) == [message]
    assert state() == before
    # The person's other answers are kept, so only the bad one needs typing again.
    assert 'value="Import spring assortment"' in page(response)


@pytest.mark.parametrize("field", ["q_solution", "q_environment"])
def test_another_organisations_landscape_is_refused(client, acme, nord, data_import, field):
    foreign = {"q_solution": nord.solution.pk, "q_environment": nord.production.pk}[field]
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/new/data-import/", import_form(acme, **{field: foreign}))
    assert response.status_code == 400
    assert field_errors(response, field) == [INVALID_CHOICE]
    assert "NORD" not in page(response)
    assert state() == before


def test_an_environment_of_another_solution_is_refused(client, acme, data_import):
    web = factories.SolutionFactory(organisation=acme.organisation, name="Acme Web")
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/new/data-import/", import_form(acme, q_solution=web.pk))
    assert response.status_code == 400
    assert field_errors(response, "q_environment") == ["ACME PIM · Staging is not an environment of Acme Web."]
    assert NOT_SENT in page(response)
    assert state() == before


def test_a_type_that_does_not_ask_impact_and_urgency_uses_its_defaults(client, acme, data_import):
    client.force_login(acme.requester)
    response = client.post("/portal/new/data-import/", import_form(acme, impact="high", urgency="high"))
    assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-1/")
    ticket = Ticket.objects.get()
    assert (ticket.impact, ticket.urgency, ticket.priority) == (Impact.MEDIUM, Urgency.LOW, 4)
    assert ticket.priority_reason == "Medium impact × Low urgency → P4"


def test_answers_are_stored_in_the_forms_order_with_their_labels(client, acme, data_import):
    client.force_login(acme.requester)
    client.post("/portal/new/data-import/", import_form(acme))
    ticket = Ticket.objects.get()
    assert ticket.answers == [
        {"key": "rows", "label": "Number of rows", "kind": "number", "value": "1200.5"},
        {"key": "go_live", "label": "Go-live date", "kind": "date", "value": "2025-03-01"},
        {"key": "format", "label": "File format", "kind": "choice", "value": "XLSX"},
        {"key": "verified", "label": "Data verified?", "kind": "yes_no", "value": True},
        {"key": "solution", "label": "Solution", "kind": "solution", "value": "ACME PIM"},
        {"key": "environment", "label": "Environment", "kind": "environment", "value": "ACME PIM · Staging"},
        {"key": "notes", "label": "Notes", "kind": "text", "value": ""},
    ]
    assert (ticket.solution, ticket.environment) == (acme.solution, acme.staging)
    html = page(client.get("/portal/requests/ACME-1/"))
    rendered = [
        "<dt data-user-content>Number of rows</dt><dd><span data-user-content>1200.5</span></dd>",
        "<dt data-user-content>Go-live date</dt><dd><span data-user-content>2025-03-01</span></dd>",
        "<dt data-user-content>File format</dt><dd><span data-user-content>XLSX</span></dd>",
        "<dt data-user-content>Data verified?</dt><dd>Yes</dd>",
        "<dt data-user-content>Solution</dt><dd><span data-user-content>ACME PIM</span></dd>",
        "<dt data-user-content>Environment</dt><dd><span data-user-content>ACME PIM · Staging</span></dd>",
        '<dt data-user-content>Notes</dt><dd><span class="muted">—</span></dd>',
    ]
    positions = [html.find(fragment) for fragment in rendered]
    assert -1 not in positions, [f for f, p in zip(rendered, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_the_environment_alone_names_its_solution(client, acme, data_import):
    client.force_login(acme.requester)
    client.post("/portal/new/data-import/", import_form(acme, q_solution=""))
    ticket = Ticket.objects.get()
    assert (ticket.solution, ticket.environment) == (acme.solution, acme.staging)


def test_a_valid_request_lands_on_its_page_with_where_it_stands(client, acme, operations_team):
    client.force_login(acme.requester)
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=[upload()]))
    assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-1/")
    ticket = Ticket.objects.get()
    assert (ticket.key, ticket.requester, ticket.team, ticket.status) == (
        "ACME-1", acme.requester, operations_team, Status.NEW
    )  # fmt: skip
    assert [(e.kind, e.attachments.count()) for e in ticket.events.all()] == [(EventKind.CREATED, 1)]

    response = client.get(response["Location"])
    assert response.status_code == 200
    html = page(response)
    assert messages_shown(response) == ["Thank you. Your request ACME-1 has been received."]
    assert '<span class="ticket-key">ACME-1</span> <span data-user-content>Product images missing' in html
    assert '<span class="badge status-new">New</span>' in html
    assert '<span class="badge priority-2" title="High impact × Medium urgency → P2">P2</span>' in html
    assert '<span class="priority-reason">High impact × Medium urgency → P2</span>' in html
    assert (
        '<span data-user-content>Operations</span> <span class="muted">(a consultant will take it shortly)</span>'
        in html
    )
    assert "We will set the next step when we have looked at your request." in html
    steps = "<dt data-user-content>Steps to reproduce</dt><dd><span data-user-content>Open any product page.</span>"
    assert steps in html
    assert "log.txt" in html


def test_the_request_page_shows_the_owner_and_next_step_once_set(client, acme, consultant, operations_team):
    ticket = acme.ticket()
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Re-run the image import", due=dt.date(2025, 3, 4))
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    assert "<dd><span data-user-content>Carla Consultant, Operations</span></dd>" in html
    assert 'Re-run the image import</span> — expected <time datetime="2025-03-04">Tue 4 Mar 2025</time>' in html
    assert "Now handled by <strong><span data-user-content>Carla Consultant, Operations</span></strong>" in html


def test_bad_attachments_on_a_new_request_save_nothing_and_use_no_number(client, acme, settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    client.force_login(acme.requester)
    before = state()
    files = [upload("ok.txt"), upload("run.exe"), upload("notes.js")]
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=files))
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [
        "“run.exe” is a type of file we do not accept. "
        "Send images, PDFs, office documents, text, CSV, JSON, XML or ZIP files.",
        "“notes.js” is a type of file we do not accept. "
        "Send images, PDFs, office documents, text, CSV, JSON, XML or ZIP files.",
    ]
    assert state() == before
    # A file over the limit stops the upload while it streams: the page says why, and nothing is saved.
    files = [upload("ok.txt"), upload("big.txt", b"x" * 101)]
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, attachments=files))
    assert response.status_code == 400
    assert "“big.txt” is larger than 100\xa0bytes, the most a file can be." in page(response)
    assert state() == before
    acme.organisation.refresh_from_db()
    assert acme.organisation.last_ticket_number == 0


# --- replies and files ---------------------------------------------------------------------------------------


def test_reply_with_a_file_and_download_it(client, acme):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    content = b"<html><script>alert(1)</script></html>\n"
    response = client.post(
        "/portal/requests/ACME-1/reply/",
        {"body": "The log from this morning.", "attachments": [upload("page.txt", content)]},
    )
    assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-1/#timeline-end")
    event = ticket.events.last()
    attachment = Attachment.objects.get()
    assert (event.kind, event.body, event.actor, attachment.event) == (
        EventKind.PUBLIC_REPLY, "The log from this morning.", acme.requester, event
    )  # fmt: skip
    follow = client.get("/portal/requests/ACME-1/")
    assert messages_shown(follow) == ["Your reply has been added."]
    link = f'<a href="/portal/requests/ACME-1/files/{attachment.pk}/" download data-user-content>page.txt</a>'
    assert link in page(follow)

    download = client.get(f"/portal/requests/ACME-1/files/{attachment.pk}/")
    assert download.status_code == 200
    assert body(download) == content
    assert download["Content-Disposition"] == 'attachment; filename="page.txt"'
    assert download["Content-Type"] == "text/plain"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Length"] == str(len(content))


def test_a_file_without_text_is_recorded_as_an_added_file(client, acme):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    response = client.post("/portal/requests/ACME-1/reply/", {"body": "", "attachments": [upload("shot.png")]})
    assert response.status_code == 302
    assert ticket.events.last().kind == EventKind.ATTACHMENT_ADDED
    assert "added a file" in page(client.get("/portal/requests/ACME-1/"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": "  "}, "body", "Write a reply or attach a file before sending."),
        (
            {"body": "See file.", "attachments": [upload("macro.js")]},
            "attachments",
            "“macro.js” is a type of file we do not accept. "
            "Send images, PDFs, office documents, text, CSV, JSON, XML or ZIP files.",
        ),
    ],
    ids=["empty", "forbidden type"],
)
def test_a_refused_reply_says_why_and_saves_nothing(client, acme, settings, data, field, message):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    acme.ticket()
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/requests/ACME-1/reply/", data)
    assert response.status_code == 400
    assert field_errors(response, field) == [message]
    assert state() == before


def test_a_reply_with_a_file_over_the_limit_is_stopped_while_it_streams(client, acme, settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    acme.ticket()
    client.force_login(acme.requester)
    before = state()
    response = client.post(
        "/portal/requests/ACME-1/reply/", {"body": "See file.", "attachments": [upload("big.txt", b"x" * 101)]}
    )
    assert response.status_code == 400
    assert "“big.txt” is larger than 100\xa0bytes, the most a file can be." in page(response)
    assert state() == before


def test_a_closed_request_takes_no_reply(client, acme, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CLOSED)
    client.force_login(acme.requester)
    assert "This request is finished." in page(client.get("/portal/requests/ACME-1/"))
    before = state()
    response = client.post("/portal/requests/ACME-1/reply/", {"body": "One more thing"})
    assert response.status_code == 409
    assert "ACME-1 is closed and takes no more replies; please submit a new request." in page(response)
    assert state() == before


# --- confirming and reopening --------------------------------------------------------------------------------


def test_confirm_a_resolved_request(client, acme, resolved):
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    assert "We think this is solved" in html and 'action="/portal/requests/ACME-1/confirm/"' in html
    response = client.post("/portal/requests/ACME-1/confirm/")
    assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-1/")
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED and resolved.closed_at is not None
    event = resolved.events.last()
    assert (event.kind, event.actor, event.data) == (
        EventKind.STATUS_CHANGED, acme.requester, {"field": "status", "before": "resolved", "after": "closed"}
    )  # fmt: skip
    follow = client.get("/portal/requests/ACME-1/")
    assert messages_shown(follow) == ["Thank you for confirming. ACME-1 is now closed."]
    assert "Nothing: this request is finished." in page(follow)
    assert "We think this is solved" not in page(follow)


def test_reopen_needs_a_reason(client, acme, resolved):
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/requests/ACME-1/reopen/", {"reason": "   "})
    assert response.status_code == 400
    assert field_errors(response, "reason") == ["Tell us what is still wrong so we can pick it up."]
    assert state() == before


def test_reopen_with_a_reason(client, acme, resolved):
    client.force_login(acme.requester)
    response = client.post("/portal/requests/ACME-1/reopen/", {"reason": "Still no images for DE."})
    assert (response.status_code, response["Location"]) == (302, "/portal/requests/ACME-1/")
    resolved.refresh_from_db()
    assert (resolved.status, resolved.resolved_at) == (Status.IN_PROGRESS, None)
    event = resolved.events.last()
    assert (event.kind, event.body, event.actor) == (
        EventKind.STATUS_CHANGED,
        "Still no images for DE.",
        acme.requester,
    )
    follow = client.get("/portal/requests/ACME-1/")
    assert messages_shown(follow) == ["ACME-1 is reopened; we are on it again."]
    assert "Resolved → <strong>In progress</strong>" in page(follow)


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.CLOSED])
def test_confirming_a_request_that_is_not_resolved_is_a_conflict(client, acme, consultant, status):
    ticket = acme.ticket()
    if status == Status.IN_PROGRESS:
        ticket_transition(actor=consultant, ticket=ticket, to=status)
    if status == Status.CLOSED:
        resolve(ticket, consultant)
        ticket_transition(actor=consultant, ticket=ticket, to=status)
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/requests/ACME-1/confirm/")
    assert response.status_code == 409
    html = page(response)
    assert "That could not be done" in html
    expected = (
        f"ACME-1 is {Status(status).label.lower()}: a request can be confirmed or reopened once we have resolved it."
    )
    assert f"<p>{expected}</p>" in html
    assert state() == before


def test_reopening_after_the_window_is_refused(client, acme, resolved, monkeypatch):
    later = timezone.now() + dt.timedelta(days=15)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    client.force_login(acme.requester)
    before = state()
    response = client.post("/portal/requests/ACME-1/reopen/", {"reason": "Still broken."})
    assert response.status_code == 403
    assert "ACME-1 was resolved too long ago to be reopened. Please submit a new request." in page(response)
    assert state() == before


# --- the history -----------------------------------------------------------------------------------------------


def _event_html(html: str, kind: str) -> list[str]:
    """The rendered timeline entries of one kind, whitespace collapsed."""
    entries = re.findall(rf'<li class="event event-{kind}">(.*?)</li>\s*(?=<li class="event|</ol>)', html, re.S)
    return [" ".join(entry.split()) for entry in entries]


def test_a_priority_change_is_shown_once_with_its_reason(client, acme, consultant):
    ticket = acme.ticket()
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="The shop is down for everyone.")
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    [changed] = _event_html(html, "field_changed")
    assert "Carla Consultant</strong> updated the request <time" in changed
    assert changed.count("Priority:") == 1
    assert '<p class="change">Priority: P2 → <strong>P1</strong></p>' in changed
    assert "The shop is down for everyone." in changed
    assert "Changed from P2 to P1 by Carla Consultant: The shop is down for everyone." in html


def test_a_merge_is_shown_on_the_surviving_request(client, acme, consultant):
    surviving = acme.ticket(title="Images missing")
    duplicate = acme.ticket(title="No pictures on the shop")
    ticket_merge(actor=consultant, duplicate=duplicate, into=surviving)
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    [merged] = _event_html(html, "merged")
    assert "Carla Consultant</strong> merged a duplicate into this request <time" in merged
    assert '<p class="change">ACME-2 was the same request; we handle both here.</p>' in merged
    duplicate_page = page(client.get("/portal/requests/ACME-2/"))
    assert 'This request was a duplicate and continues as ACME-1. <a href="/portal/requests/ACME-1/">' in duplicate_page


def test_development_milestones_are_shown_by_name(client, acme, consultant):
    change = factories.RequestTypeFactory(name="Change", slug="change", ticket_type=TicketType.CHANGE_REQUEST)
    acme.organisation.contracts.get().tier.request_types.add(change)
    ticket = acme.ticket(request_type=change, solution=None, environment=None)
    team = factories.TeamFactory(name="Web development", kind=TeamKind.DEVELOPMENT)
    team.organisations.add(acme.organisation)
    developer = factories.StaffFactory(full_name="Dana Developer", staff_role=StaffRole.DEVELOPER)
    team.members.add(developer)
    item = development_hand_off(actor=consultant, ticket=ticket, team=team, brief="Add a DE price list.")
    development_item_move(actor=developer, item=item, milestone=Milestone.READY_FOR_RELEASE)
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    handed, ready = _event_html(html, "development")
    assert "Carla Consultant</strong> updated the development work <time" in handed
    assert '<p class="change">Development: <strong>Handed to development</strong></p>' in handed
    assert "Dana Developer</strong> updated the development work <time" in ready
    assert '<p class="change">Development: <strong>Ready for release</strong></p>' in ready
    assert "Add a DE price list." not in html  # the brief is for the developers


def test_a_resolved_request_says_until_when_it_can_be_reopened_and_the_hotline(client, acme, resolved):
    acme.organisation.contracts.update(hotline_number="+45 70 20 30 40")
    reference.changed()  # QuerySet.update() sends no signal
    resolved.refresh_from_db()
    until = timezone.localtime(resolved.resolved_at + dt.timedelta(days=14), ZoneInfo("Europe/Copenhagen"))
    client.force_login(acme.requester)
    html = page(client.get("/portal/requests/ACME-1/"))
    assert f"You can reopen it until {dateformat.format(until, 'D j M Y')}." in html
    assert '<a href="tel:+4570203040">+45 70 20 30 40</a>' in html
    client.post("/portal/requests/ACME-1/confirm/")
    html = page(client.get("/portal/requests/ACME-1/"))
    assert "You can reopen it until" not in html and "tel:" not in html


def test_what_people_type_is_shown_as_text_never_as_markup(client, acme, data_import):
    client.force_login(acme.requester)
    script = "<script>alert(1)</script>"
    client.post("/portal/new/data-import/", import_form(acme, title=f"Title {script}", q_notes=f"Note {script}"))
    client.post("/portal/requests/ACME-1/reply/", {"body": f"Reply {script}"})
    for html in (page(client.get("/portal/requests/ACME-1/")), page(client.get("/portal/"))):
        assert "<script>" not in html
        assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = page(client.get("/portal/requests/ACME-1/"))
    assert "<dd><span data-user-content>Note &lt;script&gt;alert(1)&lt;/script&gt;</span></dd>" in html
    assert "<p>Reply &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html


def test_reopening_a_request_that_is_no_longer_resolved_says_why(client, acme, resolved, consultant):
    client.force_login(acme.requester)
    ticket_transition(actor=consultant, ticket=resolved, to=Status.IN_PROGRESS)  # e.g. the team reopened it
    before = state()
    response = client.post("/portal/requests/ACME-1/reopen/", {"reason": ""})
    assert state() == before
    assert "is in progress" in page(response) or "Tell us what is still wrong" in page(response)
