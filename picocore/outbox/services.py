"""Writing e-mails to the outbox (inside the caller's transaction) and sending them (in the worker).

Guarantees: a change that rolls back leaves no row, so nothing is sent; a row is sent by at most one worker
at a time (an atomic claim with an expiry); a worker that dies mid-send leaves the claim to expire and the
next pass sends it; a transport failure is retried with growing pauses and finally parked for an
administrator; a message that cannot even be built (a header that no retry will make valid) is parked at once,
with the reason. An e-mail about a ticket is sent only while its recipient may still hear of it: one written
before they left the organisation or the team is withheld, marked so, and never retried; so is one to an
address on the reserved `.invalid` domain (RFC 6761: it receives nothing), such as an erased person's or a
former contact's.
"""

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F

from picocore.core.claims import claim, unclaimed
from picocore.core.clock import now
from picocore.core.db import DATABASE_UNREACHABLE, wait_for_database
from picocore.core.models import max_length_of
from picocore.core.tasks import enqueue_on_commit
from picocore.core.text import one_line, truncate
from picocore.notifications.permissions import may_hear_of
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket

logger = logging.getLogger(__name__)

# Pauses before the 2nd, 3rd, … attempt; after the last one the message is parked.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=25), dt.timedelta(hours=2),
           dt.timedelta(hours=6))  # fmt: skip
MAX_ATTEMPTS = len(BACKOFF) + 1
CLAIM_FOR = dt.timedelta(minutes=5)
CLAIM_MARGIN = dt.timedelta(seconds=30)  # stop insisting on a claim this close to its expiry
THREAD_DEPTH = 10
SUBJECT_MAX_LENGTH = max_length_of(OutboxEmail, "subject")
RESERVED_DOMAIN = "invalid"


def receives_no_mail(address: str) -> bool:
    """Whether the address is on the reserved `.invalid` top-level domain, where no mail is ever delivered."""
    return address.rpartition("@")[2].rstrip(".").rpartition(".")[2].lower() == RESERVED_DOMAIN


@dataclass(frozen=True)
class OutgoingEmail:
    """One e-mail to write to the outbox: who, what kind, and its rendered content. `address` is for a person
    who is no user (a customer's contact): written to `address`, with no recipient user. `headers` are further
    headers of this message (List-Unsubscribe, …); they cannot replace the ones the outbox sets itself."""

    to: User | None
    kind: str
    subject: str
    body_text: str
    body_html: str = ""
    address: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def to_address(self) -> str:
        return self.address or (self.to.email if self.to is not None else "")


def outbox_emails_add(
    *, emails: list[OutgoingEmail], ticket: Ticket | None = None, reply_to: str = "", organisation_id: int | None = None
) -> list[int]:
    """Queue e-mails in the current transaction, each threaded after the earlier e-mails of the same ticket to
    the same person, and send them after commit (never if the transaction rolls back). The rows belong to the
    ticket's organisation, or to `organisation_id` when there is no ticket. Three queries, however many e-mails:
    the thread lookup, one insert, one task."""
    if ticket is not None:
        organisation_id = ticket.organisation_id
    threads: dict[str, list[str]] = defaultdict(list)
    if ticket is not None:
        earlier = (
            OutboxEmail.objects.filter(ticket=ticket, to_address__in=[e.to_address for e in emails])
            .order_by("created_at", "id")
            .values_list("to_address", "message_id")
        )
        for address, message_id in earlier:
            threads[address].append(message_id)
    rows = OutboxEmail.objects.bulk_create(
        [
            OutboxEmail(
                ticket=ticket,
                organisation_id=organisation_id,
                recipient=email.to,
                to_address=email.to_address,
                reply_to=reply_to,
                subject=truncate(one_line(email.subject), SUBJECT_MAX_LENGTH),
                body_text=email.body_text,
                body_html=email.body_html,
                in_reply_to=threads[email.to_address][-1] if threads[email.to_address] else "",
                references=" ".join(threads[email.to_address][-THREAD_DEPTH:]),
                kind=email.kind,
                headers=dict(email.headers),
            )
            for email in emails
        ]
    )
    ids = [row.pk for row in rows]
    from picocore.outbox.tasks import send_outbox_emails

    enqueue_on_commit(send_outbox_emails, ids)
    return ids


def _claim(email_id: int, moment: dt.datetime) -> bool:
    """Take the row for this worker if it is due and nobody holds it: one UPDATE, so two workers cannot both win."""
    return bool(
        claim(
            OutboxEmail.objects.filter(pk=email_id, status=OutboxStatus.PENDING, next_attempt_at__lte=moment),
            moment,
            CLAIM_FOR,
        )
    )


def _message(email: OutboxEmail) -> EmailMultiAlternatives:
    # The row's own further headers first, so that none of those set here can be replaced by them.
    headers = {**email.headers, "Message-ID": email.message_id, "Auto-Submitted": "auto-generated",
               "X-Auto-Response-Suppress": "All"}  # fmt: skip
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _permanent(error: Exception) -> bool:
    """A refusal that no retry will change (the recipient does not exist, the message is refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def outbox_send(*, email_id: int, connection: BaseEmailBackend | None = None) -> str:
    """Send one outbox e-mail if it is due and unclaimed; returns what happened ("sent", "retry", "parked",
    "withheld", "skipped"). Safe to call any number of times, from any number of workers. A batch passes one open
    `connection` (an opened mailer) so that it is not reconnected for every message."""
    moment = now()
    if not _claim(email_id, moment):
        return "skipped"
    email = OutboxEmail.objects.select_related("ticket", "recipient").get(pk=email_id)
    if receives_no_mail(email.to_address):
        OutboxEmail.objects.filter(pk=email.pk).update(
            status=OutboxStatus.WITHHELD, claimed_until=None, last_error="Not sent: the address receives no mail."
        )
        logger.info("Outbox e-mail %s withheld: its address is on the reserved .invalid domain", email.pk)
        return "withheld"
    if email.ticket is not None and not may_hear_of(email.recipient, ticket=email.ticket, kind=email.kind):
        OutboxEmail.objects.filter(pk=email.pk).update(
            status=OutboxStatus.WITHHELD,
            claimed_until=None,
            last_error=f"Not sent: the recipient may no longer see {email.ticket.key}.",
        )
        logger.info("Outbox e-mail %s withheld: its recipient may no longer see %s", email.pk, email.ticket.key)
        return "withheld"
    try:
        message = _message(email)
        message.message()  # renders every header now: a bad one fails here, not as a transport error
    except Exception as error:  # nothing about this row will change on a retry: park it with the reason
        OutboxEmail.objects.filter(pk=email.pk).update(
            attempts=email.attempts + 1,
            status=OutboxStatus.PARKED,
            claimed_until=None,
            last_error=f"The message cannot be built: {type(error).__name__}: {error}"[:2000],
        )
        logger.error("Outbox e-mail %s cannot be built and is parked: %s", email.pk, error)
        return "parked"
    try:
        (connection or mailers.default).send_messages([message])
    except Exception as error:  # any failure to hand the message over is retried or parked below
        attempts = email.attempts + 1
        park = _permanent(error) or attempts >= MAX_ATTEMPTS
        OutboxEmail.objects.filter(pk=email.pk).update(
            attempts=attempts,
            status=OutboxStatus.PARKED if park else OutboxStatus.PENDING,
            next_attempt_at=moment + (BACKOFF[min(attempts, len(BACKOFF)) - 1] if not park else dt.timedelta(0)),
            claimed_until=None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("Outbox e-mail %s failed (attempt %s): %s", email.pk, attempts, error)
        return "parked" if park else "retry"
    _record_sent(email.pk, claimed_until=moment + CLAIM_FOR)
    return "sent"


def _record_sent(email_id: int, *, claimed_until: dt.datetime) -> None:
    """Mark a handed-over e-mail sent. Should the database be unreachable just then, keep trying while our
    claim holds: were the mark lost, the claim would expire and the e-mail be sent a second time."""
    while True:
        try:
            OutboxEmail.objects.filter(pk=email_id).update(
                status=OutboxStatus.SENT, sent_at=now(), attempts=F("attempts") + 1, claimed_until=None, last_error=""
            )
            return
        except DATABASE_UNREACHABLE:
            if transaction.get_connection().in_atomic_block or now() >= claimed_until - CLAIM_MARGIN:
                logger.error("Outbox e-mail %s was sent but cannot be marked sent: it may be sent again", email_id)
                raise
            logger.warning("Outbox e-mail %s was sent; the database is away, marking it sent when it is back", email_id)
            wait_for_database(running=lambda: now() < claimed_until - CLAIM_MARGIN)


def outbox_send_many(*, email_ids: list[int]) -> list[str]:
    """Send several e-mails over one SMTP session when the server answers; when it does not, each send fails
    on its own and is retried or parked like any other failure."""
    mailer = mailers.default
    try:
        mailer.open()
    except Exception:  # unreachable now: the sends below each record the failure
        logger.warning("Could not open the mail connection; sending one by one", exc_info=True)
    try:
        return [outbox_send(email_id=email_id, connection=mailer) for email_id in email_ids]
    finally:
        mailer.close()


def outbox_due_ids(limit: int = 500) -> list[int]:
    """Pending e-mails whose time has come and that no live worker holds: one indexed query."""
    moment = now()
    return list(
        OutboxEmail.objects.filter(unclaimed(moment), status=OutboxStatus.PENDING, next_attempt_at__lte=moment)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def outbox_retry(*, email_ids: list[int]) -> int:
    """An administrator sends parked e-mails again (same Message-ID); returns how many were requeued."""
    return OutboxEmail.objects.filter(pk__in=email_ids, status=OutboxStatus.PARKED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now(), claimed_until=None
    )
