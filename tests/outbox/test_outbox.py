"""The outbox: nothing leaves for a change that rolled back; failures are retried, then parked; a message is
sent by one worker only, with its own stable Message-ID and the ticket's thread headers."""

import datetime as dt
import smtplib
import threading
from email import message_from_bytes, policy

import pytest
from django.db import connection, transaction
from django.utils import timezone

from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import MAX_ATTEMPTS, outbox_due_ids, outbox_retry, outbox_send
from picocore.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def reply_mail(customer, consultant) -> OutboxEmail:
    ticket = customer.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="We are on it.")
    return OutboxEmail.objects.get(ticket=ticket, to_address=customer.requester.email, kind="reply")


def test_rolled_back_change_leaves_nothing_to_send(acme, consultant):
    ticket = acme.ticket()
    before = OutboxEmail.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_reply(actor=consultant, ticket=ticket, body="Never sent")
        raise RuntimeError("the request failed after the reply")
    assert OutboxEmail.objects.count() == before


def test_sent_through_real_smtp_with_thread_headers(acme, consultant, smtp_sink):
    email = reply_mail(acme, consultant)
    assert outbox_send(email_id=email.pk) == "sent"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)
    [raw] = smtp_sink.messages
    received = message_from_bytes(raw, policy=policy.default)
    assert received["Message-ID"] == email.message_id
    assert received["Subject"] == "[ACME-1] Re: Images missing"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Reply-To"].startswith("support+acme-1.")
    assert received["To"] == acme.requester.email
    assert "We are on it." in received.get_body(("plain",)).get_content()
    assert received.get_body(("html",)) is not None
    assert outbox_send(email_id=email.pk) == "skipped"  # sent once only
    assert len(smtp_sink.messages) == 1


def test_a_failure_is_retried_with_backoff_then_parked(acme, consultant, settings, smtp_sink):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}}  # fmt: skip
    email = reply_mail(acme, consultant)
    assert outbox_send(email_id=email.pk) == "retry"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
    assert email.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert "ConnectionRefusedError" in email.last_error
    assert outbox_send(email_id=email.pk) == "skipped"  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        assert outbox_send(email_id=email.pk) == ("parked" if attempt == MAX_ATTEMPTS else "retry")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PARKED, MAX_ATTEMPTS)
    assert email.pk not in outbox_due_ids()
    assert outbox_retry(email_ids=[email.pk]) == 1
    assert email.pk in outbox_due_ids()


def test_a_permanent_refusal_is_parked_at_once(acme, consultant, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"anna@example.test": (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    email = reply_mail(acme, consultant)
    assert outbox_send(email_id=email.pk) == "parked"


def test_a_dead_workers_claim_expires_and_the_next_pass_sends(acme, consultant):
    email = reply_mail(acme, consultant)
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now() + dt.timedelta(minutes=4))
    assert email.pk not in outbox_due_ids() and outbox_send(email_id=email.pk) == "skipped"
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert email.pk in outbox_due_ids()
    assert outbox_send(email_id=email.pk) == "sent"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_send_the_same_message(acme, consultant, smtp_sink, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # workers send, not commits
    emails = [reply_mail(acme, consultant) for _ in range(5)]
    ids = [e.pk for e in emails]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.extend(outbox_send(email_id=i) for i in ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent"] * 5 + ["skipped"] * 5
    assert len(smtp_sink.messages) == 5
    assert OutboxEmail.objects.filter(pk__in=ids, status=OutboxStatus.SENT, attempts=1).count() == 5


def test_an_unreachable_server_still_counts_each_attempt(acme, consultant, settings):
    from picocore.outbox.tasks import send_due_outbox

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}}  # fmt: skip
    email = reply_mail(acme, consultant)
    OutboxEmail.objects.filter(pk=email.pk).update(attempts=0, next_attempt_at=timezone.now())
    send_due_outbox.call()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
