"""An e-mail that cannot be built (a header no retry will make valid) is parked at once with the reason; only
failures to hand a message over are retried."""

import pytest
from django.core import mail

from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import OutgoingEmail, outbox_due_ids, outbox_emails_add, outbox_send
from picocore.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def reply_mail(customer, consultant) -> OutboxEmail:
    ticket = customer.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="We are on it.")
    return OutboxEmail.objects.get(ticket=ticket, to_address=customer.requester.email, kind="reply")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "[ACME-1] Images\r\nBcc: everyone@example.com"),
        ("subject", "[ACME-1] Images\nmissing"),
        ("reply_to", "support@example.com\r\nBcc: everyone@example.com"),
        ("in_reply_to", "<a@example.com>\nBcc: everyone@example.com"),
        ("headers", {"List-Unsubscribe": "<https://example.com/u/>\r\nBcc: everyone@example.com"}),
    ],
)
def test_a_message_with_a_broken_header_is_parked_at_once_with_the_reason(acme, consultant, field, value):
    email = reply_mail(acme, consultant)
    OutboxEmail.objects.filter(pk=email.pk).update(**{field: value})  # as rows written before validation were
    mail.outbox.clear()

    assert outbox_send(email_id=email.pk) == "parked"

    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_until) == (OutboxStatus.PARKED, 1, None)
    assert email.last_error.startswith("The message cannot be built: ")
    assert mail.outbox == []
    assert email.pk not in outbox_due_ids()  # never tried again by itself
    assert outbox_send(email_id=email.pk) == "skipped"


def test_a_subject_written_with_line_breaks_is_sent_on_one_line(acme, consultant):
    ticket = acme.ticket()
    [email_id] = outbox_emails_add(
        emails=[OutgoingEmail(to=acme.requester, kind="reply", subject="Hello\r\nBcc: x@example.com", body_text=".")],
        ticket=ticket,
    )
    email = OutboxEmail.objects.get(pk=email_id)
    assert email.subject == "Hello Bcc: x@example.com"
    assert outbox_send(email_id=email_id) == "sent"
    assert mail.outbox[-1].subject == "Hello Bcc: x@example.com"
    assert "bcc" not in {name.lower() for name in mail.outbox[-1].extra_headers}


def test_further_headers_are_sent_and_never_replace_the_outbox_own(acme, consultant):
    email = reply_mail(acme, consultant)
    OutboxEmail.objects.filter(pk=email.pk).update(
        headers={
            "List-Unsubscribe": "<https://example.com/u/>",
            "Message-ID": "<forged@example.com>",
            "Auto-Submitted": "no",
        }
    )
    mail.outbox.clear()
    assert outbox_send(email_id=email.pk) == "sent"
    message = mail.outbox[-1].message()
    assert message["List-Unsubscribe"] == "<https://example.com/u/>"
    assert (message["Message-ID"], message["Auto-Submitted"]) == (email.message_id, "auto-generated")
    assert message.get_all("Message-ID") == [email.message_id]
