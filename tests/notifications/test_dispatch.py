"""Who is told of what, on which channel; nothing for the actor, nothing internal for customers."""

import pytest

from picocore.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from picocore.outbox.models import OutboxEmail
from picocore.tickets.choices import Status
from picocore.tickets.services import (
    ticket_add_note,
    ticket_reply,
    ticket_set_next_step,
    ticket_take,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    """The kinds of the user's notifications, oldest first, besides receipts (tests/notifications/test_receipts)."""
    notifications = Notification.objects.filter(user=user).exclude(kind=NotificationKind.RECEIVED)
    return list(notifications.order_by("id").values_list("kind", flat=True))


def mails(user) -> list[str]:
    emails = OutboxEmail.objects.filter(to_address=user.email).exclude(kind=NotificationKind.RECEIVED)
    return list(emails.order_by("id").values_list("subject", flat=True))


def test_a_new_request_reaches_the_team_and_only_its_receipt_the_requester(acme, consultant):
    acme.ticket()
    assert kinds(consultant) == [NotificationKind.NEW_TICKET]
    assert mails(consultant) == ["[ACME-1] New request: Images missing"]
    assert kinds(acme.requester) == [] and mails(acme.requester) == []
    receipt = OutboxEmail.objects.get(to_address=acme.requester.email)
    assert receipt.subject == "[ACME-1] We have received your request: Images missing"


def test_the_customer_hears_replies_status_next_step_and_resolution_but_not_notes(acme, consultant):
    ticket = acme.ticket()
    ticket_take(actor=consultant, ticket=ticket)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_reply(actor=consultant, ticket=ticket, body="Looking into it.")
    ticket_add_note(actor=consultant, ticket=ticket, body="Internal only.")
    ticket_set_next_step(actor=consultant, ticket=ticket, text="Re-run the export", due=None)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed.")
    assert kinds(acme.requester) == [
        NotificationKind.STATUS,
        NotificationKind.REPLY,
        NotificationKind.NEXT_STEP,
        NotificationKind.RESOLVED,
    ]
    assert mails(acme.requester) == [
        "[ACME-1] In progress: Images missing",
        "[ACME-1] Re: Images missing",
        "[ACME-1] Next step: Images missing",
        "[ACME-1] Resolved: Images missing",
    ]
    assert not OutboxEmail.objects.filter(body_text__contains="Internal only.").exists()
    resolved = OutboxEmail.objects.get(subject="[ACME-1] Resolved: Images missing")
    assert "/portal/requests/ACME-1/#resolution-heading" in resolved.body_text


def test_the_owner_hears_the_customers_reply_and_nobody_hears_their_own(acme, consultant):
    ticket = acme.ticket()
    ticket_take(actor=consultant, ticket=ticket)
    ticket_reply(actor=acme.requester, ticket=ticket, body="More details.")
    assert kinds(consultant) == [NotificationKind.NEW_TICKET, NotificationKind.CUSTOMER_REPLY]
    assert kinds(acme.requester) == []


def test_preferences_choose_the_channel(acme, consultant):
    NotificationPreference.objects.create(user=acme.requester, kind=NotificationKind.REPLY, channel=Channel.IN_APP)
    NotificationPreference.objects.create(user=acme.requester, kind=NotificationKind.STATUS, channel=Channel.EMAIL)
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_reply(actor=consultant, ticket=ticket, body="Hello")
    assert mails(acme.requester) == ["[ACME-1] In progress: Images missing"]
    unread = Notification.objects.filter(user=acme.requester, read_at__isnull=True)
    assert list(unread.values_list("kind", flat=True)) == [NotificationKind.REPLY]


def test_emails_thread_per_ticket_and_person(acme, consultant):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="One")
    ticket_reply(actor=consultant, ticket=ticket, body="Two")
    receipt, first, second = OutboxEmail.objects.filter(to_address=acme.requester.email).order_by("id")
    assert (receipt.kind, receipt.in_reply_to, receipt.references) == (NotificationKind.RECEIVED, "", "")
    assert (first.in_reply_to, first.references) == (receipt.message_id, receipt.message_id)
    assert second.in_reply_to == first.message_id
    assert second.references.split() == [receipt.message_id, first.message_id]
    assert second.reply_to.startswith("support+acme-1.") and second.reply_to.endswith("@picocore.example")
