"""A request that arrives by e-mail gets its receipt, like one from the portal or the phone."""

import pytest

from picocore.mail.models import Outcome
from picocore.notifications.models import NotificationKind
from picocore.outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db


def test_a_request_by_e_mail_gets_its_receipt(world, deliver):
    message = deliver("gmail_new_request.eml")
    assert (message.outcome, message.ticket.key) == (Outcome.NEW_TICKET, "ACME-2")
    email = OutboxEmail.objects.get(ticket=message.ticket, kind=NotificationKind.RECEIVED)
    assert email.recipient == message.sender
    assert email.subject == f"[ACME-2] We have received your request: {message.ticket.title}"
    assert "Your request ACME-2 has reached us." in email.body_text
    assert "What happens next: " in email.body_text and "Our promise: " in email.body_text
    assert "/portal/requests/ACME-2/" in email.body_text
    # It answers the e-mail thread: replying to the receipt adds to the request.
    assert email.reply_to.startswith("support+acme-2.")
