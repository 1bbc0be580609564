"""Receiving: the one write every inbound message gets before anything else, kept lean for the MTA pipe.

`mail_receive` stores the raw message — once per Message-ID, or per content hash when it has none — and
schedules its processing after commit. A message that reuses a stored Message-ID with other content is
stored as well (once), linked to the first, for processing to hold for review: it is never dropped as a
"duplicate" nobody sees; everything else (parsing the body, threading, filing) is the
worker's. It reads only the header block, and whatever the headers hold (NUL characters, comments nested
thousands deep, garbage), the message is stored: a header it cannot read is left empty here and the
message is held with the reason when it is processed.
"""

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.core.clock import now
from picocore.core.errors import ValidationError
from picocore.core.models import max_length_of
from picocore.core.tasks import enqueue_on_commit
from picocore.core.text import one_line, truncate, without_nul
from picocore.mail.headers import addresses, decode_header_value, message_ids
from picocore.mail.models import InboundMessage, Mailbox

logger = logging.getLogger(__name__)

ADDRESS_MAX = max_length_of(InboundMessage, "from_address")
SUBJECT_MAX = max_length_of(InboundMessage, "subject")
MESSAGE_ID_MAX = max_length_of(InboundMessage, "message_id")


@dataclass(frozen=True)
class Receipt:
    """What receiving did: the stored message, and whether this delivery stored it (False: a duplicate)."""

    message: InboundMessage
    created: bool


@dataclass(frozen=True)
class Peek:
    """What receiving reads from the header block, each value already fit for the database."""

    message_id: str = ""
    from_address: str = ""
    subject: str = ""


# What makes two messages with one Message-ID the same message: what the sender wrote, not the trace
# headers (Received, Delivered-To, Authentication-Results …) that each delivery path adds.
CONTENT_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                   "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding")  # fmt: skip
HEADER_END = re.compile(rb"\r?\n\r?\n")


def dedup_key(message_id: str, content_hash: str) -> str:
    """The unique key of a message: its Message-ID, or its content when it has none (hashed to fit)."""
    if message_id:
        return "m:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return "c:" + content_hash


def variant_key(message_id: str, fingerprint: str) -> str:
    """The unique key of a message that reuses `message_id` with other content: one row per content."""
    return "v:" + hashlib.sha256(f"{message_id}\n{fingerprint}".encode("utf-8", "surrogateescape")).hexdigest()


def content_fingerprint(raw: bytes) -> str:
    """A hash of what the sender wrote: the body (line ends and trailing white space normalised) and the
    CONTENT_HEADERS, so one message delivered through two paths (pipe and IMAP, say) counts as the same."""
    match = HEADER_END.search(raw)
    head, body = (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")
    digest = hashlib.sha256()
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\n\n")
        for name in CONTENT_HEADERS:
            for value in headers.get_all(name, []):
                digest.update(f"{name.lower()}:{' '.join(str(value).split())}\n".encode("utf-8", "surrogateescape"))
    except Exception:  # unreadable headers: they count byte for byte
        digest.update(head.replace(b"\r\n", b"\n"))
    digest.update(b"\n\n" + b"\n".join(line.rstrip() for line in body.splitlines()).rstrip())
    return digest.hexdigest()


def peek(raw: bytes) -> Peek:
    """Message-ID, From address and Subject from the header block; never raises. Each is read on its own,
    so a header the parser fails on (a `RecursionError` on comments nested thousands deep, say) leaves only
    that value empty: processing then holds the message as broken with the reason."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception as error:  # any parser failure; the message is stored all the same
        logger.warning("Could not read the headers of a received message: %s", type(error).__name__)
        return Peek()
    readers: dict[str, Callable[[], str]] = {
        "message_id": lambda: (message_ids(headers.get("Message-ID")) or [""])[0],
        "from_address": lambda: (addresses(headers, "From") or [""])[0],
        "subject": lambda: decode_header_value(headers["Subject"]),
    }
    values = {}
    for name, read in readers.items():
        try:
            values[name] = one_line(read())
        except Exception as error:  # this header stays empty; the others are still read
            logger.warning("Could not read the %s of a received message: %s", name, type(error).__name__)
            values[name] = ""
    return Peek(
        message_id=values["message_id"][:MESSAGE_ID_MAX],
        from_address=values["from_address"][:ADDRESS_MAX],
        subject=truncate(values["subject"], SUBJECT_MAX),
    )


def mail_receive(
    *,
    raw: bytes,
    source: str,
    recipients: Sequence[str] = (),
    envelope_sender: str | None = None,
    mailbox: Mailbox | None = None,
) -> Receipt:
    """Store one raw message, unless the same message is already stored, and process it after commit. A
    message with a stored Message-ID but other content (CONTENT_HEADERS and body) is stored once, with
    `duplicate_of` set to the first; the same content again (an MTA's retry) stores nothing.

    Returns once the row is written (committed, unless the caller holds a transaction): from then on the
    message cannot be lost, so the MTA may be told it was delivered and an IMAP copy may be deleted.
    `envelope_sender` is the SMTP MAIL FROM ("" or "<>" for the null sender of a bounce; None when unknown).
    The raw message is kept as bytes, exactly as it came; every text column gets NUL-free, one-line values.
    Raises ValidationError for empty input.
    """
    if not raw or not raw.strip():
        raise ValidationError(_("The message is empty."))
    headers = peek(raw)
    content_hash = hashlib.sha256(raw).hexdigest()
    if envelope_sender is not None:
        envelope_sender = one_line(envelope_sender) or "<>"
    defaults = {
        "message_id": headers.message_id,
        "content_hash": content_hash,
        "raw": raw,
        "size": len(raw),
        "source": source,
        "mailbox": mailbox,
        "envelope_sender": (envelope_sender or "")[:ADDRESS_MAX],
        "recipients": [one_line(r).lower() for r in recipients if r and without_nul(r).strip()],
        "from_address": headers.from_address,
        "subject": headers.subject,
        "received_at": now(),
    }
    with transaction.atomic():
        message, created = _store(dedup_key(headers.message_id, content_hash), defaults)
        if not created and headers.message_id and message.content_hash != content_hash:
            fingerprint = content_fingerprint(raw)
            first = InboundMessage.objects.filter(pk=message.pk).values_list("raw", flat=True).get()
            if content_fingerprint(bytes(first)) != fingerprint:
                key = variant_key(headers.message_id, fingerprint)
                message, created = _store(key, {**defaults, "duplicate_of": message})
        if created:
            from picocore.mail.tasks import process_inbound_message

            enqueue_on_commit(process_inbound_message, message.pk)
    return Receipt(message=message, created=created)


def _store(key: str, defaults: dict[str, object]) -> tuple[InboundMessage, bool]:
    # A message already stored is only looked at, never loaded whole.
    return InboundMessage.objects.defer("raw", "body_text", "body_html").get_or_create(dedup_key=key, defaults=defaults)
