"""`picocore mail fetch`: polling IMAP mailboxes with imap-tools.

A message leaves the mailbox (deleted, marked read or moved, as the Mailbox row says) only after
`mail_receive` has stored it; if storing fails it stays where it is and the next poll tries again. A
message fetched twice is stored once (the Message-ID is unique), so a crash between storing and deleting
costs nothing.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage

from picocore.core.clock import now
from picocore.core.text import without_nul
from picocore.mail.models import AfterStore, Mailbox, Security, Source
from picocore.mail.receiving import mail_receive

logger = logging.getLogger(__name__)

BATCH = 200
TIMEOUT = 60


class RawMailMessage(MailMessage):
    """A fetched message kept as the exact bytes the server sent (imap-tools would re-parse them)."""

    def __init__(self, fetch_data: list[bytes | tuple[bytes, bytes]]) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self.raw: bytes = raw
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data


class MailboxError(Exception):
    """The mailbox could not be polled (no password in the environment, login refused, …)."""


@dataclass
class FetchResult:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0


def connect(mailbox: Mailbox, password: str) -> BaseMailBox:
    """A logged-in imap-tools mailbox in the configured folder."""
    classes: dict[str, Callable[..., BaseMailBox]] = {
        Security.SSL: MailBox,
        Security.STARTTLS: MailBoxStartTls,
        Security.PLAIN: MailBoxUnencrypted,
    }
    client = classes[mailbox.security](mailbox.host, port=mailbox.port, timeout=TIMEOUT)
    return client.login(mailbox.username, password, initial_folder=mailbox.folder)


def mailbox_password(mailbox: Mailbox) -> str:
    password = os.environ.get(mailbox.password_env, "")
    if not password:
        raise MailboxError(f"The environment variable {mailbox.password_env} (the password of {mailbox}) is not set.")
    return password


def _done(client: BaseMailBox, mailbox: Mailbox, uid: str) -> None:
    if mailbox.after_store == AfterStore.DELETE:
        client.delete(uid)
    elif mailbox.after_store == AfterStore.MOVE:
        client.move(uid, mailbox.move_to)
    else:
        client.flag(uid, "\\Seen", True)


def fetch_mailbox(mailbox: Mailbox, *, limit: int = BATCH) -> FetchResult:
    """Store up to `limit` messages of the mailbox, removing or marking each only once it is stored."""
    result = FetchResult()
    try:
        password = mailbox_password(mailbox)
        with connect(mailbox, password) as client:
            client.email_message_class = RawMailMessage
            criteria = AND(seen=False) if mailbox.after_store == AfterStore.MARK_SEEN else "ALL"
            for message in client.fetch(criteria, mark_seen=False, limit=limit, bulk=False):
                try:
                    # email_message_class above makes every fetched message a RawMailMessage
                    receipt = mail_receive(raw=cast(RawMailMessage, message).raw, source=Source.IMAP, mailbox=mailbox)
                except Exception:  # left on the server; the next poll tries again
                    logger.exception("Could not store message %s of %s", message.uid, mailbox)
                    result.failed += 1
                    continue
                if receipt.created:
                    result.stored += 1
                else:
                    result.duplicates += 1
                if message.uid:
                    _done(client, mailbox, message.uid)
        error = ""
    except Exception as exc:  # recorded on the mailbox for the admin; the next poll tries again
        logger.warning("Polling %s failed: %s", mailbox, exc)
        # The server's own words: NUL in them would make recording the error fail on PostgreSQL.
        error = without_nul(f"{type(exc).__name__}: {exc}")[:2000]
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now(), last_error=error)
    if error:
        raise MailboxError(error)
    return result
