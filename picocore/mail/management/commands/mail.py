"""`picocore mail ingest|serve|fetch`: the three ways inbound e-mail arrives, all into `mail_receive`.

picocore mail ingest [--recipient ADDR] [--sender ADDR] < message.eml
    one RFC 5322 message on standard input, for an MTA's pipe transport. Exit status 0: stored (or
    already stored); 75 (EX_TEMPFAIL): not stored now, the MTA keeps it and retries; 65 (EX_DATAERR):
    the input is empty. Postfix master.cf, for example:
    picocore unix - n n - - pipe flags=Rq user=picocore argv=/srv/picocore/.venv/bin/picocore mail
        ingest --sender ${sender} --recipient ${recipient}
picocore mail serve [--host 127.0.0.1] [--port 8024] [--protocol lmtp|smtp]
    listen for LMTP (default) or SMTP from the local MTA; answers 250 only once a message is stored.
picocore mail fetch [--mailbox NAME] [--once] [--interval 60]
    poll the active IMAP mailboxes configured in the admin (passwords from the environment).
"""

import logging
import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from picocore.core.errors import ValidationError
from picocore.mail.models import Mailbox, Source

logger = logging.getLogger("picocore.mail")

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


def _stop_event() -> threading.Event:
    """Set on SIGTERM or SIGINT, so `serve` and `fetch` stop cleanly between messages."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
    return stop


class Command(BaseCommand):
    help = "Inbound e-mail: `ingest` one message from stdin (MTA pipe), `serve` LMTP/SMTP, `fetch` from IMAP."
    # A pipe delivery must be quick and must not fail on an unrelated configuration warning.
    requires_system_checks = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{ingest,serve,fetch}")
        ingest = actions.add_parser("ingest", help="read one message from standard input and store it")
        ingest.add_argument("--recipient", action="append", default=[], help="envelope recipient (repeatable)")
        ingest.add_argument("--sender", default=None, help="envelope sender (MAIL FROM); empty for a bounce")
        serve = actions.add_parser("serve", help="listen for LMTP or SMTP from the local MTA")
        serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        serve.add_argument("--port", type=int, default=8024, help="port (default 8024)")
        serve.add_argument("--protocol", choices=["lmtp", "smtp"], default="lmtp")
        fetch = actions.add_parser("fetch", help="poll the IMAP mailboxes configured in the admin")
        fetch.add_argument("--mailbox", action="append", default=[], help="only this mailbox (by name)")
        fetch.add_argument("--once", action="store_true", help="poll once and exit instead of looping")
        fetch.add_argument("--interval", type=float, default=60.0, help="seconds between polls (default 60)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"handle_{action}")(**options)

    def handle_ingest(self, *, recipient: list[str], sender: str | None, **options: Any) -> None:
        from picocore.mail.receiving import mail_receive

        stream = options.get("stdin") or sys.stdin.buffer
        try:
            raw = stream.read()
            receipt = mail_receive(raw=raw, source=Source.PIPE, recipients=recipient, envelope_sender=sender)
        except ValidationError as error:
            self.stderr.write(f"picocore mail ingest: {error.message}")
            sys.exit(EX_DATAERR)
        except Exception as error:  # anything else is worth a retry by the MTA: the message is not stored
            logger.exception("Could not store a piped message")
            self.stderr.write(f"picocore mail ingest: temporary failure, not stored ({type(error).__name__}).")
            sys.exit(EX_TEMPFAIL)
        if options["verbosity"] > 1:
            state = "stored" if receipt.created else "already stored"
            self.stdout.write(f"Message {receipt.message.pk} {state}.")

    def handle_serve(self, *, host: str, port: int, protocol: str, **options: Any) -> None:
        from picocore.mail.server import InboundController

        controller = InboundController(host=host, port=port, lmtp=protocol == "lmtp")
        stop = _stop_event()
        controller.start()
        self.stdout.write(f"Listening for {protocol.upper()} on {host}:{port} (Ctrl-C stops).")
        try:
            stop.wait()
        finally:
            controller.stop()

    def handle_fetch(self, *, mailbox: list[str], once: bool, interval: float, **options: Any) -> None:
        from picocore.mail.imap import MailboxError, fetch_mailbox

        stop = _stop_event()
        while True:
            mailboxes = Mailbox.objects.filter(active=True).order_by("name")
            if mailbox:
                mailboxes = mailboxes.filter(name__in=mailbox)
            failures = []
            for box in mailboxes:
                try:
                    result = fetch_mailbox(box)
                except MailboxError as error:
                    failures.append(f"{box}: {error}")
                    self.stderr.write(f"{box}: {error}")
                    continue
                if result.stored or result.duplicates or result.failed or options["verbosity"] > 1:
                    self.stdout.write(
                        f"{box}: {result.stored} stored, {result.duplicates} already stored, {result.failed} failed."
                    )
            if once:
                if failures:
                    raise CommandError(f"{len(failures)} mailbox(es) could not be polled.")
                return
            if stop.wait(interval):
                return
