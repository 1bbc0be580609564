"""Titles and every text that reaches an e-mail header are one line; texts built from a title fit their
columns at every length limit (run on PostgreSQL too, which refuses an overlong value)."""

import pytest
from django.core import mail
from django.test import Client

from picocore.catalog.choices import TicketType
from picocore.development.services import development_hand_off
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import outbox_send
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_change_priority, ticket_reply, ticket_set_next_step, ticket_transition
from tests import factories
from tests.portal.support import field_errors, incident_form, page, state

pytestmark = pytest.mark.django_db

ONE_LINE = "Keep this on one line: remove the line breaks."
INJECTED = "Images missing\r\nBcc: everyone@example.com"


def send_all() -> list[str]:
    return [outbox_send(email_id=pk) for pk in OutboxEmail.objects.order_by("pk").values_list("pk", flat=True)]


@pytest.mark.parametrize("title", [INJECTED, "Images\nmissing", "Images\rmissing", "Images\u2028missing"])
def test_the_request_form_refuses_a_title_with_a_line_break(client, acme, title):
    client.force_login(acme.requester)
    before = state()
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, title=title))
    assert response.status_code == 400
    assert field_errors(response, "title") == [ONE_LINE]
    assert (state(), OutboxEmail.objects.count()) == (before, 0)


def test_a_one_line_answer_refuses_line_breaks_too(client, acme):
    factories.FormFieldFactory(request_type=acme.incident, key="order", label="Order number", position=9)
    client.force_login(acme.requester)
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, q_order="A-1\nB-2"))
    assert response.status_code == 400
    assert field_errors(response, "q_order") == [ONE_LINE]
    assert Ticket.objects.count() == 0


def test_the_service_puts_a_title_from_elsewhere_on_one_line_and_its_mails_are_sent(acme, consultant):
    ticket = acme.ticket(by=consultant, requester=acme.requester, title=INJECTED, description="Called.\x00")
    ticket.refresh_from_db()
    assert (ticket.title, ticket.description) == ("Images missing Bcc: everyone@example.com", "Called.")
    ticket_reply(actor=consultant, ticket=ticket, body="On it.")
    mail.outbox.clear()
    assert set(send_all()) == {"sent"}
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "[ACME-1] Re: Images missing Bcc: everyone@example.com",
        "[ACME-1] We have received your request: Images missing Bcc: everyone@example.com",
    ]
    assert all(not message.bcc for message in mail.outbox)


def test_next_step_and_priority_reason_are_one_line(acme, consultant):
    ticket = acme.ticket()
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Call back\r\nBcc: x@example.com", due=None)
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="Shop\ndown")
    ticket.refresh_from_db()
    assert ticket.next_step == "Call back Bcc: x@example.com"
    assert ticket.priority_reason == "Changed from P2 to P1 by Carla Consultant: Shop down"


def test_a_title_of_the_greatest_length_goes_end_to_end(acme, consultant):
    """Submitted, notified in the app and by e-mail, sent, and shown on the customer's and the desk's pages."""
    title = "Ü" * 199 + "!"  # 200 characters, 401 bytes
    customer, desk = Client(), Client()
    customer.force_login(acme.requester)
    desk.force_login(consultant)
    response = customer.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, title=title))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.title == title
    ticket_reply(actor=consultant, ticket=ticket, body="Looking.")
    customer.post("/portal/requests/ACME-1/reply/", {"body": "Thanks."})
    ticket_set_next_step(actor=consultant, ticket=ticket, text="N" * 300, due=None)
    ticket_transition(actor=consultant, ticket=ticket, to="in_progress")
    ticket_transition(actor=consultant, ticket=ticket, to="resolved", note="Done.")
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="R" * 300)

    titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
    assert titles == [
        ("New request: " + title)[:199] + "…",
        ("We have received your request: " + title)[:199] + "…",
        ("Re: " + title)[:199] + "…",
        ("Customer replied: " + title)[:199] + "…",
        ("Next step: " + title)[:199] + "…",
        ("In progress: " + title)[:199] + "…",
        ("Resolved: " + title)[:199] + "…",
        ("P2 → P1: " + title)[:199] + "…",
    ]
    assert all(len(t) == 200 for t in titles)
    ticket.refresh_from_db()
    assert ticket.priority_reason == ("Changed from P2 to P1 by Carla Consultant: " + "R" * 300)[:299] + "…"
    assert set(send_all()) == {"sent"}
    assert {len(m.subject) for m in mail.outbox} == {len("[ACME-1] ") + 200}
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    for response in (customer.get("/portal/requests/ACME-1/"), desk.get("/desk/tickets/ACME-1/")):
        assert response.status_code == 200
        assert title in page(response)
    for response in (
        customer.get("/notifications/"),
        desk.get("/notifications/"),
        customer.get("/portal/?show=mine"),
        desk.get("/desk/queues/resolved/"),
    ):
        assert response.status_code == 200


def test_a_hand_off_of_a_longest_title_to_a_longest_team_name_fits(acme, consultant):
    team = factories.TeamFactory(name="D" * 120, kind=TeamKind.DEVELOPMENT)
    team.organisations.add(acme.organisation)
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    team.members.add(developer)
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST)
    acme.organisation.contracts.get().tier.request_types.add(change)
    ticket = acme.ticket(title="T" * 200, request_type=change)
    development_hand_off(actor=consultant, ticket=ticket, team=team, brief="Please.")
    [notification] = Notification.objects.filter(user=developer)
    assert notification.title == ("Handed to " + "D" * 120 + ": " + "T" * 200)[:199] + "…"
    assert set(send_all()) == {"sent"}
