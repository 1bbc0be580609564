"""Every message ends in a clear final state, on SQLite and PostgreSQL alike: a header the parser cannot read,
NUL characters, an over-long subject, an outcome the database refuses or a database that keeps failing
never leave a message "received" (retried forever) or lost (an MTA told to try again forever)."""

import io

import pytest
from django.core.management import call_command
from django.db import OperationalError

from picocore.core.text import truncate
from picocore.mail import services
from picocore.mail.models import InboundMessage, InboundStatus, Outcome
from picocore.mail.services import MAX_ATTEMPTS, mail_process, mail_receive, mail_retry
from picocore.notifications.models import Notification
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import Channel
from picocore.tickets.models import Attachment, Ticket
from tests import factories
from tests.mail.conftest import corpus

pytestmark = pytest.mark.django_db

BOMB_TEXT = "Hej,\n\nLagerbeholdningen i webshoppen viser 0 for alle varer i kategorien «Frost».\n\nAnna"
LONG_SUBJECT = (
    "Eksporten af ordrer til lagersystemet stopper ved ordre 100.000 og alle senere ordrer står som “afventer” i "
    "webshoppen, selvom betalingen er gennemført, og kunderne får ingen ordrebekræftelse – det gælder både "
    "Danmark, Sverige og Norge siden opdateringen i nat kl. 02"
)


def test_an_encoded_word_bomb_is_stored_and_held_as_broken_with_its_text(world, deliver):
    """3,000 comments nested in the From header, each with an encoded word: the address parser's
    RecursionError neither stops the message being stored nor leaves it unprocessed."""
    message = deliver("encoded_word_bomb.eml")

    assert (message.status, message.outcome, message.ticket, message.sender) == (
        InboundStatus.HELD, Outcome.BROKEN, None, None,
    )  # fmt: skip
    assert message.reason.startswith(
        "The message could not be read as e-mail (RecursionError: maximum recursion depth exceeded"
    )
    assert message.reason.endswith("), so nothing was filed.")
    assert (message.message_id, message.subject, message.from_address) == (
        "<bomb-7c1e9a52@mail.acme.example>", "Lagerbeholdning vises forkert", "",
    )  # fmt: skip
    assert message.body_text == BOMB_TEXT
    assert bytes(InboundMessage.objects.get(pk=message.pk).raw) == corpus("encoded_word_bomb.eml")
    assert Ticket.objects.count() == 1


def test_picocore_mail_ingest_stores_the_encoded_word_bomb_and_exits_0(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mail", "ingest", stdin=io.BytesIO(corpus("encoded_word_bomb.eml")))
    message = InboundMessage.objects.get()
    assert (message.status, message.outcome) == (InboundStatus.HELD, Outcome.BROKEN)


def test_nul_in_the_subject_the_body_the_sender_name_and_a_file_name_is_removed(world, deliver):
    message = deliver("nul_in_body_and_subject.eml")

    assert (message.status, message.outcome, message.sender) == (
        InboundStatus.PROCESSED, Outcome.NEW_TICKET, world.anna,
    )  # fmt: skip
    assert message.subject == "Scanneren på lageret svarer ikke"
    assert message.body_text == ("Hej,\n\nScanneren på lageret svarer ikke siden i morges. Fejlkoden er E-17.\n\nAnna")
    ticket = message.ticket
    assert (ticket.key, ticket.title, ticket.channel) == ("ACME-2", "Scanneren på lageret svarer ikke", Channel.EMAIL)
    assert ticket.description == "Hej,\n\nScanneren på lageret svarer ikke siden i morges. Fejlkoden er E-17.\n\nAnna"
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.filename == "scanner.log"
    # A file is kept byte for byte: only texts lose their NUL characters.
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"10:14:02 E-17\x0010:14:03 retry\x00"


def test_nul_in_raw_headers_is_removed_before_the_message_is_stored(world, django_capture_on_commit_callbacks):
    raw = (
        b"From: Anna\x00 <anna@acme.example\x00>\nTo: support@picocore.example\nSubject: Printer\x00 offline\x00\n"
        b"Message-ID: <nul\x00-1@acme.example>\nContent-Type: text/plain; charset=utf-8\n\nPrinter 3\x00 is offline.\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = mail_receive(raw=raw, source="pipe", recipients=["support@picocore.example\x00"],
                               envelope_sender="anna@acme.example\x00")  # fmt: skip
    message = InboundMessage.objects.get(pk=receipt.message.pk)
    assert (message.message_id, message.recipients, message.envelope_sender) == (
        "<nul-1@acme.example>", ["support@picocore.example"], "anna@acme.example",
    )  # fmt: skip
    assert (message.status, message.subject, message.body_text) == (
        InboundStatus.PROCESSED, "Printer offline", "Printer 3 is offline.",
    )  # fmt: skip
    assert (message.ticket.title, message.ticket.description) == ("Printer offline", "Printer 3 is offline.")
    assert bytes(message.raw) == raw


def test_a_subject_longer_than_a_title_is_cut_on_one_line_and_every_derived_title_fits(world, deliver, consultant):
    message = deliver("overlong_subject.eml")

    assert (message.status, message.outcome) == (InboundStatus.PROCESSED, Outcome.NEW_TICKET)
    assert message.subject == LONG_SUBJECT
    ticket = message.ticket
    expected = truncate(LONG_SUBJECT, 200)
    assert ticket.title == expected
    assert (len(ticket.title), ticket.title[-1], "\n" in ticket.title) == (200, "…", False)
    assert ticket.title.startswith("Eksporten af ordrer til lagersystemet")
    assert ticket.description == "Hej,\n\nSe emnelinjen: eksporten stopper ved ordre 100.000.\n\nAnna"
    titles = list(Notification.objects.filter(ticket=ticket).values_list("title", flat=True))
    subjects = list(OutboxEmail.objects.filter(ticket=ticket).values_list("subject", flat=True))
    assert titles and all(len(title) <= 200 for title in titles)
    assert all("\n" not in subject and "\r" not in subject for subject in subjects)


def test_an_outcome_the_database_refuses_fails_the_message_instead_of_leaving_it_received(world, deliver, monkeypatch):
    real_save = InboundMessage.save

    def refuse(self, *args, **kwargs):
        if kwargs.get("update_fields"):  # the outcome, not the first store
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(InboundMessage, "save", refuse)
    message = deliver("gmail_new_request.eml")

    assert (message.status, message.outcome, message.attempts, message.ticket) == (
        InboundStatus.FAILED, "", 1, None,
    )  # fmt: skip
    assert message.reason == "Processing failed: ValueError: A string literal cannot contain NUL (0x00) characters."
    assert message.processed_at is not None
    assert Ticket.objects.count() == 1  # the filing was undone with the outcome
    assert mail_process(inbound_id=message.pk).status == InboundStatus.FAILED  # final: a second run changes nothing


def test_a_database_error_that_keeps_coming_back_fails_the_message_after_max_attempts(world, monkeypatch):
    def database_error(message):
        raise OperationalError("could not serialize access due to concurrent update")

    monkeypatch.setattr(services, "_decide", database_error)
    message = mail_receive(raw=corpus("gmail_new_request.eml"), source="pipe").message
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(OperationalError):
            mail_process(inbound_id=message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts) == (InboundStatus.RECEIVED, attempt)
    with pytest.raises(OperationalError):
        mail_process(inbound_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.reason) == (
        InboundStatus.FAILED, MAX_ATTEMPTS,
        "Processing failed: OperationalError: could not serialize access due to concurrent update",
    )  # fmt: skip

    # An administrator's retry gets MAX_ATTEMPTS attempts of its own.
    mail_retry(actor=factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR), message=message)
    with pytest.raises(OperationalError):
        mail_process(inbound_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.RECEIVED, MAX_ATTEMPTS + 1)
