"""`picocore mail serve`: an LMTP (or SMTP) listener for the local MTA, built on aiosmtpd.

Each message is stored through `mail_receive` before the listener answers, so "250" means it cannot be
lost; any failure to store answers "451" and the MTA keeps the message and retries. Recipients outside
our domains (and not mapped to an organisation) are refused at RCPT time: this is not a relay. LMTP answers
once per recipient after DATA, as RFC 2033 requires.
"""

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from picocore.mail.models import RecipientMapping, Source
from picocore.mail.receiving import mail_receive

logger = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Could not store the message now; please try again later"


def our_domains() -> set[str]:
    return {settings.PICOCORE_MAIL_DOMAIN.lower(), settings.PICOCORE_SUPPORT_ADDRESS.rsplit("@", 1)[-1].lower()}


def _accepts(address: str) -> bool:
    close_old_connections()
    try:
        address = address.strip().lower()
        if address.rsplit("@", 1)[-1] in our_domains():
            return True
        return RecipientMapping.objects.filter(address__iexact=address).exists()
    finally:
        close_old_connections()


def _store(raw: bytes, recipients: list[str], envelope_sender: str, source: str) -> bool:
    close_old_connections()
    try:
        mail_receive(raw=raw, source=source, recipients=recipients, envelope_sender=envelope_sender)
        return True
    except Exception:  # answered with a temporary failure: the MTA keeps the message and retries
        logger.exception("Could not store an inbound message")
        return False
    finally:
        close_old_connections()


class InboundHandler:
    """aiosmtpd handler: accept our recipients, store each message, answer per recipient under LMTP."""

    def __init__(self, *, lmtp: bool) -> None:
        self.lmtp = lmtp
        self.source = Source.LMTP if lmtp else Source.SMTP

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not await sync_to_async(_accepts, thread_sensitive=False)(address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        stored = await sync_to_async(_store, thread_sensitive=False)(
            raw, list(envelope.rcpt_tos), envelope.mail_from or "", self.source
        )
        status = "250 2.0.0 Message accepted" if stored else TEMPORARY_FAILURE
        if not self.lmtp:
            return status
        return "\r\n".join(f"{status} for <{rcpt}>" for rcpt in envelope.rcpt_tos)


class InboundController(Controller):
    """A threaded aiosmtpd controller speaking LMTP or SMTP with `InboundHandler`."""

    def __init__(self, *, host: str, port: int, lmtp: bool = True, **kwargs: Any) -> None:
        self.lmtp = lmtp
        kwargs.setdefault("data_size_limit", 50 * 1024 * 1024)
        super().__init__(InboundHandler(lmtp=lmtp), hostname=host, port=port, **kwargs)

    def factory(self) -> SMTP:
        protocol = LMTP if self.lmtp else SMTP
        return protocol(self.handler, **self.SMTP_kwargs)
