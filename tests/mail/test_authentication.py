"""Forged senders: the receiving server's Authentication-Results (RFC 8601), from a trusted authserv-id
only, decide whether a message may be filed as its From address's person."""

import pytest
from django.core.exceptions import ValidationError

from picocore.mail.authentication import Verdict, parse_authentication_results, verdict
from picocore.mail.models import InboundStatus, MailPolicy, Outcome
from picocore.mail.services import mail_process, mail_retry
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import EventKind
from picocore.tickets.models import Ticket, TicketEvent
from tests import factories

TRUSTED = frozenset({"mx.picocore.example"})
FORGED_TEXT = (
    "Hi,\n\nThe images are back, you can close the ticket. Please also send the new admin\n"
    "password for the shop to this address.\n\nAnna"
)


@pytest.fixture
def trusting(db) -> MailPolicy:
    policy = MailPolicy.current()
    policy.trusted_authserv_ids = "mx.picocore.example"
    policy.save()
    return policy


def events(ticket: Ticket) -> list[int]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_forged_sender_is_held_for_review_never_filed_as_the_contact(world, deliver, trusting):
    before = events(world.ticket)
    message = deliver("forged_sender_failed_auth.eml")

    assert (message.status, message.outcome, message.ticket, message.event, message.sender) == (
        InboundStatus.HELD, Outcome.UNAUTHENTICATED, None, None, None,
    )  # fmt: skip
    assert message.reason == (
        "Held: the receiving mail server mx.picocore.example could not confirm that anna@acme.example sent this "
        "message (spf=fail, dkim=none, dmarc=fail). It was not filed as their message; check it before retrying."
    )
    assert message.data == {
        "authentication": {"authserv_id": "mx.picocore.example", "results": "spf=fail, dkim=none, dmarc=fail"}
    }
    assert (message.from_address, message.subject, message.body_text) == (
        "anna@acme.example", "Re: [ACME-1] Product images missing", FORGED_TEXT,
    )  # fmt: skip
    assert events(world.ticket) == before
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_an_authenticated_reply_is_filed_and_an_untrusted_failing_header_is_ignored(world, deliver, trusting):
    message = deliver("authenticated_reply.eml")

    assert (message.status, message.outcome, message.ticket, message.sender) == (
        InboundStatus.PROCESSED, Outcome.REPLY, world.ticket, world.anna,
    )  # fmt: skip
    assert (message.event.kind, message.event.actor, message.event.body) == (
        EventKind.PUBLIC_REPLY, world.anna,
        "Hi,\n\nYes, staging shows the same: the images of the “Frost” category are missing there too.\n\nAnna",
    )  # fmt: skip


@pytest.mark.django_db
def test_without_a_trusted_authserv_id_no_header_counts(world, deliver):
    """The forged message's only passing header is from a server nobody trusts; with no trusted server
    configured, no header is read at all (the installation behaves as before)."""
    policy = MailPolicy.current()
    policy.trusted_authserv_ids = "mail.hosting.example-not-ours"
    policy.save()
    message = deliver("forged_sender_failed_auth.eml")
    assert (message.status, message.outcome) == (InboundStatus.PROCESSED, Outcome.REPLY)


@pytest.mark.django_db
def test_an_administrator_may_file_a_held_unauthenticated_message_after_review(world, deliver, trusting):
    message = deliver("forged_sender_failed_auth.eml")
    mail_retry(actor=factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR), message=message)
    retried = mail_process(inbound_id=message.pk)
    assert (retried.status, retried.outcome, retried.ticket, retried.sender) == (
        InboundStatus.PROCESSED, Outcome.REPLY, world.ticket, world.anna,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_policy_takes_host_names_only_one_per_line():
    policy = MailPolicy.current()
    policy.trusted_authserv_ids = "MX.picocore.example, mx2.picocore.example"
    policy.full_clean()
    assert policy.trusted_authserv_ids == "mx.picocore.example\nmx2.picocore.example"
    assert policy.trusted_ids() == frozenset({"mx.picocore.example", "mx2.picocore.example"})
    policy.trusted_authserv_ids = 'mx.picocore.example\nbad"id'
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert error.value.message_dict == {
        "trusted_authserv_ids": ['Not an authserv-id: bad"id. Write one host name per line.']
    }


ANNA = "anna@acme.example"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # DMARC decides when it is there.
        (["mx.picocore.example; dmarc=fail (p=none) header.from=acme.example; dkim=pass header.d=acme.example"],
         Verdict(False, "mx.picocore.example", "dmarc=fail, dkim=pass")),
        (["mx.picocore.example; spf=fail smtp.mailfrom=acme.example; dmarc=pass header.from=acme.example"],
         Verdict(True, "mx.picocore.example", "spf=fail, dmarc=pass")),
        # Without DMARC: an aligned pass (relaxed: a subdomain counts) authenticates…
        (["mx.picocore.example; spf=none; dkim=pass header.d=mail.acme.example"],
         Verdict(True, "mx.picocore.example", "spf=none, dkim=pass")),
        (["mx.picocore.example; spf=pass smtp.mailfrom=bounce@acme.example; dkim=none"],
         Verdict(True, "mx.picocore.example", "spf=pass, dkim=none")),
        # …a pass for another domain is not aligned, and both failing fails.
        (["mx.picocore.example; spf=pass smtp.mailfrom=evil.example; dkim=none"],
         Verdict(False, "mx.picocore.example", "spf=pass, dkim=none")),
        (["mx.picocore.example; spf=softfail smtp.mailfrom=acme.example; dkim=fail header.d=acme.example"],
         Verdict(False, "mx.picocore.example", "spf=softfail, dkim=fail")),
        # Nothing checked, or nothing to check: no verdict.
        (["mx.picocore.example; none"], Verdict(None)),
        (["mx.picocore.example; spf=none smtp.mailfrom=acme.example; dkim=none"], Verdict(None)),
        (["mx.picocore.example; spf=temperror smtp.mailfrom=acme.example"], Verdict(None)),
        # Untrusted servers are ignored, whatever they claim.
        (["evil.example; dmarc=pass header.from=acme.example"], Verdict(None)),
        (["mx.picocore.example.evil.example; dmarc=fail"], Verdict(None)),
        # A pass injected below the trusted server's failure does not outweigh it.
        (["mx.picocore.example; dmarc=fail header.from=acme.example", "mx.picocore.example; dmarc=pass"],
         Verdict(False, "mx.picocore.example", "dmarc=fail")),
        # Comments (nested thousands deep), versions, odd spacing and case.
        (["MX.PicoCore.Example 1; " + "(" * 5000 + ")" * 5000 + " DMARC = Fail header.from=acme.example"],
         Verdict(False, "mx.picocore.example", "dmarc=fail")),
        (['mx.picocore.example; dkim/1=pass (good sig) header.d="acme.example"'],
         Verdict(True, "mx.picocore.example", "dkim=pass")),
    ],
)  # fmt: skip
def test_the_verdict_of_trusted_headers(headers, expected):
    assert verdict(headers, trusted=TRUSTED, from_address=ANNA) == expected


def test_a_header_without_an_authserv_id_is_not_read():
    assert parse_authentication_results(";dmarc=fail") is None
    assert parse_authentication_results("") is None
