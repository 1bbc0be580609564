"""The mail tests' world: Anna (requester) and Bo (customer admin) at ACME, Nils at NORD, ACME-1 filed by
Anna through the portal, and one notification about it in the outbox whose Message-ID the corpus answers."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from picocore.mail.models import InboundMessage, Source
from picocore.mail.services import mail_receive
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from tests.conftest import Customer

CORPUS = Path(__file__).parent / "corpus"
NOTIFICATION_ID = "<notification-1.acme-1@picocore.example>"


def corpus(name: str, **substitutions: str) -> bytes:
    """A corpus message, with `@@NAME@@` placeholders (values that depend on the test run) filled in."""
    raw = (CORPUS / name).read_bytes()
    for key, value in substitutions.items():
        raw = raw.replace(f"@@{key}@@".encode(), value.encode())
    assert b"@@" not in raw, "a placeholder was left unfilled"
    return raw


def rename(user: User, email: str, full_name: str) -> User:
    user.email, user.full_name = email, full_name
    user.save(update_fields=["email", "full_name"])
    return user


@dataclass
class World:
    acme: Customer
    nord: Customer
    anna: User
    bo: User
    nils: User
    ticket: Ticket
    notification: OutboxEmail


@pytest.fixture
def world(acme, nord) -> World:
    anna = rename(acme.requester, "anna@acme.example", "Anna Andersen")
    bo = rename(acme.admin, "bo@acme.example", "Bo Berg")
    nils = rename(nord.requester, "nils@nord.example", "Nils Nordmann")
    ticket = acme.ticket(title="Product images missing")
    assert ticket.key == "ACME-1"
    notification = OutboxEmail.objects.create(
        message_id=NOTIFICATION_ID,
        ticket=ticket,
        organisation=acme.organisation,
        recipient=anna,
        to_address=anna.email,
        subject="[ACME-1] Product images missing",
        body_text="Carla Consultant replied:\nCould you tell us whether the images are missing on staging too?",
        kind="public_reply",
    )
    return World(acme, nord, anna, bo, nils, ticket, notification)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Receive a message (a corpus file name or raw bytes) and run what is scheduled on commit — its
    processing — as the worker would; returns the stored message, refreshed."""

    def deliver(
        message: str | bytes,
        *,
        source: str = Source.PIPE,
        recipients: tuple[str, ...] = (),
        envelope_sender: str | None = None,
        **substitutions: str,
    ) -> InboundMessage:
        raw = corpus(message, **substitutions) if isinstance(message, str) else message
        with django_capture_on_commit_callbacks(execute=True):
            receipt = mail_receive(raw=raw, source=source, recipients=recipients, envelope_sender=envelope_sender)
        receipt.message.refresh_from_db()
        return receipt.message

    return deliver
