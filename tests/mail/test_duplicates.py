"""One Message-ID, two contents: the second message is kept, linked to the first and held for review; the
same content again (an MTA's retry, or the same mail through another path) is a no-op."""

import pytest

from picocore.mail.models import InboundMessage, InboundStatus, Outcome
from picocore.mail.services import mail_process, mail_retry
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import Ticket
from tests import factories
from tests.mail.conftest import corpus

pytestmark = pytest.mark.django_db

MESSAGE_ID = "<CAH7x2Lw9QnV5pZr3kT0sYb8e4Jm6dUf1oXc@mail.gmail.com>"
BO_TEXT = "Hej,\n\nVi har en ny medarbejder, Søren, der starter mandag. Kan I oprette VPN-adgang til ham?\n\nBo"


def test_a_reused_message_id_with_other_content_is_kept_and_held_for_review(world, deliver):
    first = deliver("gmail_new_request.eml")
    assert (first.status, first.ticket.key) == (InboundStatus.PROCESSED, "ACME-2")

    second = deliver("duplicate_message_id.eml")

    assert second.pk != first.pk
    assert (second.status, second.outcome, second.duplicate_of, second.ticket) == (
        InboundStatus.HELD, Outcome.DUPLICATE, first, None,
    )  # fmt: skip
    assert (second.message_id, second.from_address, second.subject, second.body_text) == (
        MESSAGE_ID, "bo@acme.example", "Adgang til VPN for ny medarbejder", BO_TEXT,
    )  # fmt: skip
    assert second.reason == (
        f"Held: inbound e-mail #{first.pk} (“Prisimport fejler på æøå-varer” from anna@acme.example) came earlier "
        f"with the same Message-ID {MESSAGE_ID} but other content. Nothing was filed; retry to process this one "
        "as well."
    )
    assert second.data == {"duplicate_of": first.pk}
    assert bytes(InboundMessage.objects.get(pk=second.pk).raw) == corpus("duplicate_message_id.eml")
    assert Ticket.objects.count() == 2  # ACME-1 and ACME-2: nothing filed for the second
    assert list(first.duplicates.all()) == [second]

    # The MTA delivers the second one again: still two messages, the held one unchanged.
    again = deliver("duplicate_message_id.eml")
    assert (again.pk, again.status, InboundMessage.objects.count()) == (second.pk, InboundStatus.HELD, 2)


def test_an_administrators_retry_processes_the_held_duplicate(world, deliver):
    first = deliver("gmail_new_request.eml")
    second = deliver("duplicate_message_id.eml")
    administrator = factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR)

    mail_retry(actor=administrator, message=second)
    processed = mail_process(inbound_id=second.pk)
    assert (processed.status, processed.outcome, processed.ticket.key, processed.duplicate_of) == (
        InboundStatus.PROCESSED, Outcome.NEW_TICKET, "ACME-3", first,
    )  # fmt: skip
    assert processed.ticket.title == "Adgang til VPN for ny medarbejder"


def test_the_same_message_through_another_path_is_not_a_duplicate(world, deliver):
    """IMAP's copy has other trace headers and CRLF line ends: the same content, so nothing new is stored."""
    first = deliver("gmail_new_request.eml")
    raw = corpus("gmail_new_request.eml")
    via_imap = (
        b"Received: from mx.picocore.example by imap.picocore.example; Wed, 4 Mar 2026 08:12:44 +0100\n"
        b"Delivered-To: support@picocore.example\n" + raw
    ).replace(b"\n", b"\r\n")
    second = deliver(via_imap, source="imap")
    assert (second.pk, InboundMessage.objects.count(), second.duplicate_of) == (first.pk, 1, None)


def test_a_third_content_links_to_the_first_too(world, deliver):
    first = deliver("gmail_new_request.eml")
    second = deliver("duplicate_message_id.eml")
    third = deliver(corpus("duplicate_message_id.eml").replace(b"mandag", b"tirsdag"))
    assert len({first.pk, second.pk, third.pk}) == 3
    assert (second.duplicate_of, third.duplicate_of, third.outcome) == (first, first, Outcome.DUPLICATE)
