"""NUL in any field of any form: each answers with a clear message (or strips it) and changes nothing; nothing
with NUL reaches the database, and no page answers 500 (run on PostgreSQL, which refuses NUL in text)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from picocore.catalog.choices import FieldKind, TicketType
from picocore.development.services import development_hand_off
from picocore.notifications.models import Notification, NotificationPreference
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.services import ticket_add_note, ticket_reply, ticket_transition
from tests import factories
from tests.portal.support import state

pytestmark = pytest.mark.django_db

NUL = "\x00"
CLEAR = (
    "Null characters are not allowed.",
    "Select a valid choice.",
    "Enter a valid",
    "Enter a number.",
    "Enter a whole number",
    "Enter a web address",
    "Enter a date",
)


def snapshot() -> dict:
    return {
        **state(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxEmail.objects.count(),
        "preferences": NotificationPreference.objects.count(),
        "tickets_rows": list(Ticket.objects.order_by("pk").values()),
    }


def no_nul_saved() -> bool:
    texts = [
        *Ticket.objects.values_list("title", "description", "next_step", "priority_reason"),
        *TicketEvent.objects.values_list("body"),
        *Attachment.objects.values_list("filename", "file"),
        *Notification.objects.values_list("title", "body"),
    ]
    return not any(NUL in str(value) for row in texts for value in row)


@pytest.fixture
def every_kind(acme):
    """A request type with a question of every kind."""
    request_type = factories.RequestTypeFactory(slug="every-kind", asks_impact_and_urgency=True)
    for position, kind in enumerate(FieldKind.values):
        factories.FormFieldFactory(request_type=request_type, key=f"q{position}", kind=kind, required=True,
                                   choices="CSV\nXML", position=position)  # fmt: skip
    acme.organisation.contracts.get().tier.request_types.add(request_type)
    return request_type


def answers(acme) -> dict:
    values = {
        FieldKind.TEXT: "Order A-1",
        FieldKind.LONG_TEXT: "Open any product page.",
        FieldKind.CHOICE: "CSV",
        FieldKind.DATE: "2025-03-01",
        FieldKind.NUMBER: "12",
        FieldKind.WHOLE_NUMBER: "12",
        FieldKind.EMAIL: "anna@acme.example",
        FieldKind.URL: "https://shop.acme.example/p/1",
        FieldKind.FUTURE_DATE: (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        FieldKind.YES_NO: "yes",
        FieldKind.SOLUTION: str(acme.solution.pk),
        FieldKind.ENVIRONMENT: str(acme.production.pk),
    }
    return {f"q_q{position}": values[kind] for position, kind in enumerate(FieldKind.values)}


def post_each_field_with_nul(client: Client, path: str, data: dict, *, refused_status: int = 400) -> None:
    """Post `data` once per field with NUL added to that field: refused with a clear message and nothing
    changed, or accepted with the NUL gone."""
    for field, value in data.items():
        before = snapshot()
        response = client.post(path, {**data, field: f"{value}{NUL}"})
        text = response.content.decode()
        assert response.status_code in (302, refused_status), (field, response.status_code)
        if response.status_code != 302:
            assert snapshot() == before, field
            if refused_status != 404:  # a 404 says "no such …", as for any unknown id
                assert any(message in text for message in CLEAR), (field, text[-2000:])
        assert no_nul_saved(), field


def test_the_customers_forms(client, acme, consultant, every_kind):
    client.force_login(acme.requester)
    base = {"title": "Images missing", "description": "Since 06:00.", "impact": "high", "urgency": "medium"}
    post_each_field_with_nul(client, "/portal/new/every-kind/", {**base, **answers(acme)})
    ticket = acme.ticket()
    post_each_field_with_nul(client, f"/portal/requests/{ticket.key}/reply/", {"body": "Still broken."})
    ticket_transition(actor=consultant, ticket=ticket, to="in_progress")
    ticket_transition(actor=consultant, ticket=ticket, to="resolved", note="Done.")
    post_each_field_with_nul(client, f"/portal/requests/{ticket.key}/reopen/", {"reason": "Still broken."})
    post_each_field_with_nul(client, "/notifications/settings/", {"reply": "email", "status": "both"})
    post_each_field_with_nul(client, "/portal/organisation/", {"organisation": str(acme.organisation.pk)},
                             refused_status=404)  # fmt: skip


def test_a_file_name_with_nul_is_stripped(client, acme):
    client.force_login(acme.requester)
    ticket = acme.ticket()
    response = client.post(
        f"/portal/requests/{ticket.key}/reply/",
        {"body": "Log.", "attachments": [SimpleUploadedFile("import\x00log.txt", b"failed\n")]},
    )
    assert response.status_code == 302
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["importlog.txt"]


def test_the_desks_forms(client, acme, nord, consultant, operations_team):
    client.force_login(consultant)
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST)
    acme.organisation.contracts.get().tier.request_types.add(change)
    development = factories.TeamFactory(name="ACME development", kind=TeamKind.DEVELOPMENT)
    development.organisations.add(acme.organisation)
    ticket = acme.ticket()
    acme.ticket(title="Duplicate")
    changed = acme.ticket(title="New layout", request_type=change)
    key = ticket.key
    desk = f"/desk/tickets/{key}"
    post_each_field_with_nul(client, "/desk/phone/", {
        "contact": str(acme.requester.memberships.get().pk), "request_type": str(acme.incident.pk),
        "title": "Shop down", "description": "Called at 9:02.", "impact": "high", "urgency": "high",
        "environment": str(acme.production.pk),
    })  # fmt: skip
    post_each_field_with_nul(client, f"{desk}/reply/", {"body": "On it."})
    post_each_field_with_nul(client, f"{desk}/note/", {"body": "Internal."})
    post_each_field_with_nul(client, f"{desk}/status/", {"to": "in_progress", "note": "Looking.",
                                                          "expected_status": "new"})  # fmt: skip
    post_each_field_with_nul(client, f"{desk}/assign/", {"team": str(operations_team.pk),
                                                         "assignee": str(consultant.pk)})  # fmt: skip
    post_each_field_with_nul(client, f"{desk}/next-step/", {"text": "Call back.", "due": "2031-01-02"})
    post_each_field_with_nul(client, f"{desk}/priority/", {"priority": "1", "reason": "Shop down."})
    post_each_field_with_nul(client, f"{desk}/link/", {"kind": "relates_to", "other": "ACME-2"})
    post_each_field_with_nul(client, f"/desk/tickets/{changed.key}/hand-off/",
                             {"team": str(development.pk), "brief": "Please."})  # fmt: skip
    post_each_field_with_nul(client, f"{desk}/merge/", {"into": "ACME-2"})
    assert client.get(f"{desk}/").status_code == 200


def test_the_development_milestone_form(client, acme, consultant):
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST)
    acme.organisation.contracts.get().tier.request_types.add(change)
    team = factories.TeamFactory(kind=TeamKind.DEVELOPMENT)
    team.organisations.add(acme.organisation)
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    team.members.add(developer)
    item = development_hand_off(actor=consultant, ticket=acme.ticket(request_type=change), team=team, brief="Go.")
    client.force_login(developer)
    post_each_field_with_nul(client, f"/desk/development/{item.pk}/", {"milestone": "accepted"})


def test_services_strip_nul_from_texts_of_other_interfaces(acme, consultant):
    answer = {"key": "steps", "label": "Steps", "kind": "long_text", "value": "Open\x00 it."}
    ticket = acme.ticket(title="Images\x00 missing", description="Since\x00 06:00.", answers=[answer])
    ticket_reply(actor=acme.requester, ticket=ticket, body="Still\x00 broken.")
    ticket_add_note(actor=consultant, ticket=ticket, body="Internal\x00 note.")
    ticket.refresh_from_db()
    assert (ticket.title, ticket.description, ticket.answers[0]["value"]) == ("Images missing", "Since 06:00.",
                                                                             "Open it.")  # fmt: skip
    assert list(ticket.events.order_by("pk").values_list("body", flat=True)) == [
        "Since 06:00.", "Still broken.", "Internal note."
    ]  # fmt: skip
    assert no_nul_saved()
