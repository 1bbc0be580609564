"""Kept informed: a receipt for every new request (its key, what happens next, our promise, the link), notices
of priority changes with their reason and of development milestones — each under the person's channel
preferences, and never twice."""

import pytest
from django.urls import reverse

from picocore.catalog.choices import TicketType
from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.development.choices import Milestone
from picocore.development.services import development_hand_off, development_item_move
from picocore.notifications.dispatch import dispatch_event
from picocore.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.choices import Channel as TicketChannel
from picocore.tickets.choices import EventKind
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_change_priority
from tests import factories
from tests.portal.support import incident_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def promised(acme):
    """ACME's contract promises a P2 a first response within 30 minutes around the clock."""
    contract = acme.organisation.contracts.get()
    SlaTarget.objects.create(contract=contract, priority=2, metric=SlaMetric.FIRST_RESPONSE, minutes=30,
                             clock=ClockKind.CALENDAR)  # fmt: skip
    return acme


def receipts(user) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(recipient=user, kind=NotificationKind.RECEIVED).order_by("id"))


def assert_is_the_receipt_of(email: OutboxEmail, ticket: Ticket) -> None:
    clock = ticket.sla_clocks.get(metric=SlaMetric.FIRST_RESPONSE)
    assert email.subject == f"[{ticket.key}] We have received your request: {ticket.title}"
    assert f"Your request {ticket.key} has reached us." in email.body_text
    assert "What happens next: " in email.body_text
    assert clock.due_at is not None
    from zoneinfo import ZoneInfo

    from picocore.sla.presenters import moment_text

    due = moment_text(clock.due_at, ZoneInfo(ticket.organisation.time_zone))
    assert f"Our promise: a first response by {due} (within 30 minutes around the clock, priority P2)." in (
        email.body_text
    )
    assert f"/portal/requests/{ticket.key}/" in email.body_text
    assert f"/portal/requests/{ticket.key}/" in email.body_html


def test_a_request_from_the_portal_gets_its_receipt_by_e_mail(client, promised, consultant):
    client.force_login(promised.requester)
    response = client.post(reverse("portal:new_request", args=[promised.incident.slug]), incident_form(promised))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    [email] = receipts(promised.requester)
    assert_is_the_receipt_of(email, ticket)
    assert "wrote:" not in email.body_text
    # E-mail only by default: the requester has just seen the page; nothing waits unread in the app.
    assert not Notification.objects.filter(user=promised.requester, read_at__isnull=True).exists()


def test_a_request_logged_by_phone_gets_its_receipt_with_the_next_step(promised, consultant, operations_team):
    ticket = promised.ticket(actor=consultant, requester=promised.requester, channel=TicketChannel.PHONE)
    [email] = receipts(promised.requester)
    assert_is_the_receipt_of(email, ticket)
    assert receipts(consultant) == []


def test_the_receipt_follows_the_requester_s_channel_choice(acme, consultant):
    NotificationPreference.objects.create(user=acme.requester, kind=NotificationKind.RECEIVED, channel=Channel.IN_APP)
    ticket = acme.ticket()
    assert receipts(acme.requester) == []
    notice = Notification.objects.get(user=acme.requester, kind=NotificationKind.RECEIVED)
    assert (notice.ticket, notice.read_at) == (ticket, None)
    assert "Our promise: we answer as soon as we can." in notice.body  # no first-response target in this contract


def test_the_receipt_is_written_once_however_often_the_event_is_dispatched(acme):
    ticket = acme.ticket()
    created = ticket.events.get(kind=EventKind.CREATED)
    dispatch_event(created)
    dispatch_event(created)
    assert len(receipts(acme.requester)) == 1
    assert Notification.objects.filter(user=acme.requester, kind=NotificationKind.RECEIVED).count() == 1


def test_a_priority_change_is_told_to_the_customer_with_its_reason(acme, consultant):
    ticket = acme.ticket()
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="The shop is down for everyone.")
    email = OutboxEmail.objects.get(recipient=acme.requester, kind=NotificationKind.PRIORITY)
    assert email.subject == "[ACME-1] P2 → P1: Images missing"
    assert "Reason: The shop is down for everyone." in email.body_text
    assert not OutboxEmail.objects.filter(recipient=consultant, kind=NotificationKind.PRIORITY).exists()


def test_a_priority_change_follows_the_channel_choice(acme, consultant):
    NotificationPreference.objects.create(user=acme.requester, kind=NotificationKind.PRIORITY, channel=Channel.IN_APP)
    ticket = acme.ticket()
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="Shop down.")
    assert not OutboxEmail.objects.filter(kind=NotificationKind.PRIORITY).exists()
    assert Notification.objects.get(user=acme.requester, kind=NotificationKind.PRIORITY).body == "Reason: Shop down."


def test_development_milestones_are_told_to_the_customer(acme, consultant):
    team = factories.TeamFactory(name="Platform development", kind=TeamKind.DEVELOPMENT)
    team.organisations.add(acme.organisation)
    developer = factories.StaffFactory(full_name="Dina Developer", staff_role=StaffRole.DEVELOPER)
    team.members.add(developer)
    change = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Content model change")
    acme.organisation.contracts.get().tier.request_types.add(change)
    ticket = acme.ticket(request_type=change, title="Add allergens attribute")
    item = development_hand_off(actor=consultant, ticket=ticket, team=team, brief="Add the attribute.")
    development_item_move(actor=developer, item=item, milestone=Milestone.IN_PROGRESS)
    told = OutboxEmail.objects.filter(recipient=acme.requester, kind=NotificationKind.DEVELOPMENT).order_by("id")
    assert [(e.subject, "Development work on your request: " in e.body_text) for e in told] == [
        ("[ACME-1] Handed to development: Add allergens attribute", True),
        ("[ACME-1] In development: Add allergens attribute", True),
    ]
    assert "In development." in told[1].body_text
    # The developers still hear of the hand-off, with the brief.
    assert (
        OutboxEmail.objects.get(recipient=developer, kind=NotificationKind.HAND_OFF).body_text.count(
            "Add the attribute."
        )
        == 1
    )
