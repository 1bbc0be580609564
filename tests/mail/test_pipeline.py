"""The inbound pipeline end to end, with real messages as Outlook, Gmail, Apple Mail and Thunderbird write
them (tests/mail/corpus): threading, isolation, duplicates, machine-written mail, attachments, broken MIME."""

import pytest

from picocore.mail.addresses import reply_address_for
from picocore.mail.models import InboundMessage, InboundStatus, Outcome
from picocore.mail.services import mail_process
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import RequestVisibility
from picocore.tickets.choices import Channel, EventKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.services import ticket_create, ticket_merge, ticket_transition
from tests.mail.conftest import corpus

pytestmark = pytest.mark.django_db

OUTLOOK_SHOWN = (
    "Hej,\n\n"
    "Billederne mangler stadig på produkterne i kategorien «Frost» – vi har prøvet igen i morges, også på staging."
    "\n\nVenlig hilsen\nAnna Andersen\nACME Ltd"
)
GMAIL_SHOWN = (
    "Thanks — staging shows the same problem since the 2.3 release. I can give you access to our export log if "
    "that helps.\n\nAnna"
)


def event_data(message: InboundMessage, **extra) -> dict:
    """What the timeline event records about the e-mail."""
    return {"channel": Channel.EMAIL, "inbound": message.pk, **extra}


def timeline(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def test_outlook_reply_threads_by_its_token_and_hands_a_waiting_ticket_back(world, deliver, consultant):
    for status in (Status.TRIAGED, Status.WAITING_ON_CUSTOMER):
        ticket_transition(actor=consultant, ticket=world.ticket, to=status)
    message = deliver("outlook_reply_token.eml", REPLY_ADDRESS=reply_address_for(world.ticket))

    assert (message.status, message.outcome, message.ticket, message.sender) == (
        InboundStatus.PROCESSED, Outcome.REPLY, world.ticket, world.anna,
    )  # fmt: skip
    assert message.reason == "Added to ACME-1 (matched by token)."
    assert message.data == {"threaded_by": "token", "trimmed": True}
    event = message.event
    assert (event.kind, event.actor, event.public, event.body) == (EventKind.PUBLIC_REPLY, world.anna, True,
                                                                    OUTLOOK_SHOWN)  # fmt: skip
    assert event.data == event_data(message)
    # The full message stays viewable: the quoted notification is trimmed from the reply only.
    assert "Carla Consultant replied:" in message.body_text and "Carla" not in event.body
    world.ticket.refresh_from_db()
    assert world.ticket.status == Status.IN_PROGRESS
    assert timeline(world.ticket)[-2:] == [EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED]


def test_gmail_reply_threads_by_references_alone(world, deliver):
    message = deliver("gmail_reply_references.eml")
    assert (message.status, message.ticket, message.data["threaded_by"]) == (
        InboundStatus.PROCESSED, world.ticket, "references",
    )  # fmt: skip
    assert message.event.body == GMAIL_SHOWN
    assert message.event.actor == world.anna


def test_a_reply_to_a_message_filed_earlier_threads_by_its_message_id(world, deliver):
    first = deliver("gmail_new_request.eml")
    assert (first.outcome, first.ticket.key) == (Outcome.NEW_TICKET, "ACME-2")
    # Bo, ACME's customer admin, answers Anna's e-mail (HTML only, In-Reply-To her Message-ID).
    reply = deliver("html_only_reply.eml")
    assert (reply.status, reply.ticket, reply.sender, reply.data["threaded_by"]) == (
        InboundStatus.PROCESSED, first.ticket, world.bo, "references",
    )  # fmt: skip
    assert reply.event.body == (
        "It is urgent for us: the price list goes live on Friday.\n\n"
        "See our status page <https://status.acme.example/incident/42> and this.\n\nBo"
    )
    for unsafe in ("<script", "onclick", "onmouseover", "javascript:", "<img", "tracker.example", "<style"):
        assert unsafe not in reply.body_html
    assert '<a href="https://status.acme.example/incident/42" rel="noopener noreferrer nofollow">' in reply.body_html


def test_a_stranger_quoting_another_customers_key_gets_a_ticket_of_their_own(world, deliver):
    before = timeline(world.ticket)
    message = deliver("thunderbird_stranger_key.eml")

    assert timeline(world.ticket) == before
    ticket = message.ticket
    assert (ticket.key, ticket.organisation, ticket.requester, ticket.channel) == (
        "NORD-1", world.nord.organisation, world.nils, Channel.EMAIL,
    )  # fmt: skip
    assert ticket.title == "[ACME-1] Product images missing"
    assert ticket.description == ("We see the same on our shop: images missing since Monday. Can you look at ours too?")
    assert message.data["refused"] == [{"ticket": "ACME-1", "by": "references"}]
    assert message.reason == "Created NORD-1 for Nord Ltd. Not added to ACME-1: nils@nord.example may not write there."


@pytest.mark.parametrize("method", ["token", "references", "subject"])
def test_isolation_a_stranger_never_lands_on_another_organisations_ticket(world, deliver, method):
    """Whichever way a message points at ACME-1 — a forwarded reply address, a References header, the key in
    the subject — a NORD contact's message becomes a NORD ticket and an unknown sender's is held."""
    headers = {
        "token": f"To: {reply_address_for(world.ticket)}\nSubject: Re: Product images",
        "references": "To: support@picocore.example\nSubject: Re: Product images\n"
        "In-Reply-To: <notification-1.acme-1@picocore.example>",
        "subject": "To: support@picocore.example\nSubject: Re: [ACME-1] Product images missing",
    }[method]
    before = (timeline(world.ticket), Attachment.objects.filter(ticket=world.ticket).count())
    for number, sender in enumerate(("nils@nord.example", "mallory@evil.example")):
        raw = (
            f"From: {sender}\n{headers}\nMessage-ID: <{method}-{number}@test>\n"
            "Content-Type: text/plain; charset=utf-8\n\nAdd me to this, please.\n"
        ).encode()
        message = deliver(raw)
        if sender == "nils@nord.example":
            assert (message.status, message.ticket.organisation) == (InboundStatus.PROCESSED, world.nord.organisation)
            assert message.data["refused"] == [{"ticket": "ACME-1", "by": method}]
        else:
            assert (message.status, message.outcome, message.ticket) == (
                InboundStatus.HELD, Outcome.UNKNOWN_SENDER, None,
            )  # fmt: skip
    assert (timeline(world.ticket), Attachment.objects.filter(ticket=world.ticket).count()) == before
    assert not Ticket.objects.filter(organisation=world.acme.organisation).exclude(pk=world.ticket.pk).exists()


def test_a_requester_may_not_write_on_a_colleagues_ticket_unless_the_organisation_shares_them(world, deliver):
    bos_ticket = ticket_create(
        actor=world.bo, organisation=world.acme.organisation, request_type=world.acme.incident,
        title="Confidential", description="Salary export.", impact="low", urgency="low",
    )  # fmt: skip
    raw = (
        f"From: anna@acme.example\nTo: {reply_address_for(bos_ticket)}\nSubject: Re: Confidential\n"
        "Message-ID: <colleague-1@acme.example>\n\nLet me see that too.\n"
    ).encode()
    message = deliver(raw)
    assert message.ticket != bos_ticket and message.ticket.requester == world.anna
    assert message.data["refused"] == [{"ticket": bos_ticket.key, "by": "token"}]

    world.acme.organisation.request_visibility = RequestVisibility.ORGANISATION
    world.acme.organisation.save()
    message = deliver(raw.replace(b"colleague-1", b"colleague-2"))
    assert (message.ticket, message.outcome) == (bos_ticket, Outcome.REPLY)


def test_a_message_delivered_twice_is_stored_and_processed_once(world, deliver):
    first = deliver("gmail_new_request.eml")
    second = deliver("gmail_new_request.eml", source="imap")
    assert first.pk == second.pk and second.source == "pipe"
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.filter(organisation=world.acme.organisation).count() == 2  # ACME-1 and the new one
    assert first.ticket.title == "Prisimport fejler på æøå-varer"
    # Running the processing task again changes nothing.
    events = timeline(first.ticket)
    assert mail_process(inbound_id=first.pk).status == InboundStatus.PROCESSED
    assert timeline(first.ticket) == events and first.attempts == 1


def test_without_a_message_id_the_content_decides_what_is_a_duplicate(world, deliver):
    raw = corpus("gmail_new_request.eml").replace(
        b"Message-ID: <CAH7x2Lw9QnV5pZr3kT0sYb8e4Jm6dUf1oXc@mail.gmail.com>\n", b""
    )
    assert b"Message-ID" not in raw
    first, second = deliver(raw), deliver(raw)
    assert first.pk == second.pk and first.dedup_key.startswith("c:")
    different = deliver(raw.replace(b"Date: Wed, 4 Mar 2026 08:12:40", b"Date: Wed, 4 Mar 2026 08:12:41"))
    assert different.pk != first.pk


def test_an_out_of_office_reply_is_ignored_and_notifies_nobody(world, deliver):
    before = (timeline(world.ticket), OutboxEmail.objects.count(), Ticket.objects.count())
    message = deliver("outlook_out_of_office.eml")
    assert (message.status, message.outcome, message.ticket, message.event) == (
        InboundStatus.IGNORED, Outcome.AUTO_REPLY, None, None,
    )  # fmt: skip
    assert message.reason == "Ignored: sent automatically (Auto-Submitted: auto-replied)."
    assert (timeline(world.ticket), OutboxEmail.objects.count(), Ticket.objects.count()) == before


def test_a_bounce_is_ignored_and_recorded_with_what_failed(world, deliver):
    before = (timeline(world.ticket), OutboxEmail.objects.count(), Ticket.objects.count())
    message = deliver("bounce_postfix.eml", envelope_sender="")
    assert (message.status, message.outcome, message.envelope_sender) == (
        InboundStatus.IGNORED, Outcome.BOUNCE, "<>",
    )  # fmt: skip
    assert message.reason == "Ignored: a delivery report (multipart/report; report-type=delivery-status)."
    assert message.data["bounce"] == {
        "recipients": ["former.employee@acme.example"],
        "status": "5.1.1",
        "action": "failed",
        "diagnostic": "smtp; 550 5.1.1 <former.employee@acme.example>: Recipient address rejected: User unknown "
        "in virtual mailbox table",
        "original_message_id": "<notification-1.acme-1@picocore.example>",
        "outbox_email": world.notification.pk,
        "ticket": world.ticket.pk,
    }
    assert (timeline(world.ticket), OutboxEmail.objects.count(), Ticket.objects.count()) == before


def test_attachments_and_the_inline_image_are_stored_and_a_refused_file_is_noted(world, deliver):
    message = deliver("apple_mail_attachments.eml")
    ticket = message.ticket
    assert (ticket.key, ticket.title, ticket.requester) == (
        "ACME-2", "Eksport til webshop fejler – skærmbillede", world.anna,
    )  # fmt: skip
    files = list(ticket.attachments.order_by("id").values_list("filename", "content_type", "size", "event_id"))
    assert files == [
        ("screenshot.png", "image/png", 75, message.event.pk),
        ("Fejlrapport_æøå.pdf", "application/pdf", 216, message.event.pk),
    ]
    assert ticket.attachments.get(filename="screenshot.png").file.read().startswith(b"\x89PNG")
    not_attached = (
        "“setup.exe” is a type of file we do not accept. Send images, PDFs, office documents, text, CSV, JSON, "
        "XML or ZIP files."
    )
    assert ticket.description == (
        "Hej,\n\nEksporten til webshoppen fejler siden i går. Her er et skærmbillede:\n\n"
        f"and the error report is attached.\n\nAnna\n\n[Not attached] {not_attached}"
    )
    assert message.data["not_attached"] == [not_attached]


def test_an_oversized_attachment_is_noted_not_fatal(world, deliver, settings):
    settings.PICOCORE_ATTACHMENT_MAX_BYTES = 100
    message = deliver("apple_mail_attachments.eml")
    assert message.status == InboundStatus.PROCESSED
    assert list(message.ticket.attachments.values_list("filename", flat=True)) == ["screenshot.png"]
    assert (
        message.data["not_attached"][0] == "“Fejlrapport æøå.pdf” is 216\xa0bytes; files can be at most 100\xa0bytes."
    )


def test_more_files_than_one_message_may_carry_are_noted(world, deliver, settings):
    settings.PICOCORE_ATTACHMENTS_PER_MESSAGE = 1
    message = deliver("apple_mail_attachments.eml")
    assert list(message.ticket.attachments.values_list("filename", flat=True)) == ["screenshot.png"]
    assert "“Fejlrapport æøå.pdf”: at most 1 files can be attached to one message." in message.data["not_attached"]


def test_a_broken_mime_message_is_held_with_a_clear_reason_and_kept(world, deliver):
    raw = corpus("broken_mime.eml")
    message = deliver(raw)
    assert (message.status, message.outcome, message.ticket) == (InboundStatus.HELD, Outcome.BROKEN, None)
    assert message.reason == (
        "The MIME structure is broken (the boundary “----=_Part_123_456.789” never appears): "
        "MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect. The text and the attachments cannot be "
        "separated reliably, so nothing was filed."
    )
    assert bytes(message.raw) == raw and message.subject == "Prisfil til import"
    assert Ticket.objects.count() == 1


def test_a_message_without_a_sender_is_held(world, deliver):
    message = deliver(b"To: support@picocore.example\nSubject: ?\nMessage-ID: <x@y>\n\nHello\n")
    assert (message.status, message.outcome) == (InboundStatus.HELD, Outcome.BROKEN)
    assert message.reason == "The message has no usable sender address (From), so it cannot be answered or filed."


@pytest.mark.parametrize(
    ("name", "subject", "fragment"),
    [
        ("thunderbird_latin1.eml", "Preisimport für Größen schlägt fehl", "(z.B. »42 ½«) schlägt seit heute fehl."),
        ("outlook_windows1252.eml", "Faktura – 300 € for februar", "Den “ekstra time” er ikke aftalt – kan I"),
        ("gmail_new_request.eml", "Prisimport fejler på æøå-varer", "med æ, ø og å i varenummeret (f.eks. BLÅ-42)."),
    ],
)
def test_every_charset_and_transfer_encoding_arrives_readable(world, deliver, name, subject, fragment):
    message = deliver(name)
    assert message.status == InboundStatus.PROCESSED
    assert message.ticket.title == subject
    assert fragment in message.ticket.description


def test_a_mobile_signature_is_trimmed(world, deliver):
    message = deliver("outlook_windows1252.eml")
    assert message.ticket.description == (
        "Hej, vi har fået en faktura på 300 € for februar. Den “ekstra time” er ikke aftalt – kan I tjekke den?"
    )


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(world, deliver, consultant):
    for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        ticket_transition(
            actor=consultant, ticket=world.ticket, to=status, note="Fixed." if status == "resolved" else ""
        )
    message = deliver("gmail_reply_references.eml")
    assert (message.status, message.outcome, message.data["follow_up_of"]) == (
        InboundStatus.PROCESSED, Outcome.FOLLOW_UP, "ACME-1",
    )  # fmt: skip
    assert message.ticket.key == "ACME-2"
    assert message.ticket.description.startswith("Follow-up to ACME-1. ACME-1 is closed and takes no more replies")
    assert message.ticket.title == "Your request was received"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("From: PicoCore <support@picocore.example>", "Ignored: it was sent from PicoCore's own address "
                                                      "support@picocore.example."),
        ("From: anna@acme.example\nX-PicoCore-Loop: picocore.example",
         "Ignored: it carries PicoCore's own X-PicoCore-Loop header (mail we sent came back)."),
    ],
)  # fmt: skip
def test_mail_from_ourselves_is_ignored_so_loops_are_impossible(world, deliver, headers, reason):
    message = deliver(f"{headers}\nTo: support@picocore.example\nMessage-ID: <loop@x>\n\nHi\n".encode())
    assert (message.status, message.outcome, message.reason) == (InboundStatus.IGNORED, Outcome.LOOP, reason)


def test_our_own_message_coming_back_is_ignored(world, deliver):
    raw = f"From: anna@acme.example\nMessage-ID: {world.notification.message_id}\n\nEcho\n".encode()
    message = deliver(raw)
    assert message.outcome == Outcome.LOOP
    assert (
        message.reason == f"Ignored: it is one of PicoCore's own outgoing messages ({world.notification.message_id})."
    )


def test_a_runaway_sender_is_held_after_the_hourly_limit(world, deliver):
    from picocore.mail.models import MailPolicy

    MailPolicy.objects.update_or_create(pk=1, defaults={"max_messages_per_sender_per_hour": 2})
    outcomes = []
    for number in range(3):
        raw = f"From: anna@acme.example\nSubject: Ping {number}\nMessage-ID: <p{number}@a>\n\nx\n"
        outcomes.append(deliver(raw.encode()).outcome)
    assert outcomes == [Outcome.NEW_TICKET, Outcome.NEW_TICKET, Outcome.FLOOD]


def test_an_unexpected_error_marks_the_message_failed_and_files_nothing(world, deliver, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("picocore.mail.services.ticket_create", explode)
    message = deliver("gmail_new_request.eml")
    assert (message.status, message.reason, message.attempts) == (
        InboundStatus.FAILED, "Processing failed: RuntimeError: disk full", 1,
    )  # fmt: skip
    assert Ticket.objects.count() == 1


def test_a_reply_to_a_merged_duplicate_continues_on_the_surviving_ticket(world, deliver, consultant):
    duplicate = world.acme.ticket(title="Images gone")
    ticket_merge(actor=consultant, duplicate=duplicate, into=world.ticket)
    raw = (
        f"From: anna@acme.example\nTo: {reply_address_for(duplicate)}\nSubject: Re: [ACME-2] Images gone\n"
        "Message-ID: <merged-1@acme.example>\n\nStill gone.\n"
    ).encode()
    message = deliver(raw)
    assert (message.ticket, message.outcome, message.event.body) == (world.ticket, Outcome.REPLY, "Still gone.")


def test_a_reply_without_text_keeps_its_files_and_says_what_was_not_attached(world, deliver):
    raw = corpus("apple_mail_attachments.eml").replace(
        b"To: support@picocore.example", f"To: {reply_address_for(world.ticket)}".encode()
    )
    raw = raw.replace(b"Hej,", b"").replace(
        b"Eksporten til webshoppen fejler siden i g=C3=A5r. Her er et sk=C3=A6rmbille=\nde:", b""
    )
    raw = raw.replace(b"and the error report is attached.\n\nAnna", b"")
    message = deliver(raw)
    assert (message.ticket, message.event.kind) == (world.ticket, EventKind.PUBLIC_REPLY)
    assert message.event.body.startswith("[Not attached] “setup.exe”")
    assert message.event.attachments.count() == 2
