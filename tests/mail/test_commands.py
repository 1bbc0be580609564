"""The three ways in: `picocore mail ingest` (exit codes for the MTA), `picocore mail serve` (a real SMTP
and LMTP conversation with the in-process listener) and `picocore mail fetch` (IMAP, against a fake
server: a message is deleted only after it is stored)."""

import io
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from picocore.mail import imap
from picocore.mail.models import AfterStore, InboundMessage, InboundStatus, Mailbox, Outcome, Source
from picocore.mail.server import InboundController
from picocore.tickets.models import Ticket
from tests.mail.conftest import corpus

ROOT = Path(__file__).resolve().parents[2]


# -- ingest ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_stores_the_message_from_stdin_and_exits_0(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mail", "ingest", "--recipient", "support@picocore.example", "--sender", "anna@acme.example",
                     stdin=io.BytesIO(corpus("gmail_new_request.eml")))  # fmt: skip
    message = InboundMessage.objects.get()
    assert (message.source, message.recipients, message.envelope_sender, message.status) == (
        Source.PIPE, ["support@picocore.example"], "anna@acme.example", InboundStatus.PROCESSED,
    )  # fmt: skip
    assert message.ticket.title == "Prisimport fejler på æøå-varer"
    # Delivered again (the MTA retried after a timeout): still exit 0, still one message.
    call_command("mail", "ingest", stdin=io.BytesIO(corpus("gmail_new_request.eml")))
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_ingest_exits_75_when_the_message_cannot_be_stored_now(world, monkeypatch, capsys):
    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("picocore.mail.receiving.mail_receive", database_down)
    with pytest.raises(SystemExit) as exit_:
        call_command("mail", "ingest", stdin=io.BytesIO(corpus("gmail_new_request.eml")))
    assert exit_.value.code == 75
    assert "temporary failure, not stored (OperationalError)" in capsys.readouterr().err
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_ingest_exits_65_on_empty_input(world):
    with pytest.raises(SystemExit) as exit_:
        call_command("mail", "ingest", stdin=io.BytesIO(b"  \n"))
    assert exit_.value.code == 65
    assert not InboundMessage.objects.exists()


def test_the_picocore_command_exits_75_when_the_database_is_unreachable(tmp_path):
    """The real pipe transport: `picocore mail ingest` in its own process, with the database down."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PICOCORE_DEMO": "1",
        "PICOCORE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
        "PICOCORE_LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-m", "picocore.cli", "mail", "ingest"],
        input=corpus("gmail_new_request.eml"), capture_output=True, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 75, result.stderr.decode()[-2000:]
    assert b"temporary failure" in result.stderr


# -- serve ----------------------------------------------------------------------------------------------------


def on_the_wire(raw: bytes) -> bytes:
    """A message as it travels over SMTP: CRLF line ends (smtplib sends bytes unchanged)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def listener(request):
    """The listener `picocore mail serve` runs, in-process on a free loopback port."""
    controllers = []

    def start(*, lmtp: bool) -> InboundController:
        controller = InboundController(host="127.0.0.1", port=free_port(), lmtp=lmtp)
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def wait_for_port(port: int) -> None:
    for _attempt in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_conversation_with_picocore_mail_serve_creates_the_ticket(world, monkeypatch):
    stop = threading.Event()
    monkeypatch.setattr("picocore.mail.management.commands.mail._stop_event", lambda: stop)
    port = free_port()
    serve = threading.Thread(
        target=call_command, args=("mail", "serve", "--protocol", "smtp", "--port", str(port)), daemon=True
    )
    serve.start()
    try:
        wait_for_port(port)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            raw = on_the_wire(corpus("gmail_new_request.eml"))
            refused = client.sendmail("anna@acme.example", ["support@picocore.example"], raw)
    finally:
        stop.set()
        serve.join(timeout=10)
    assert refused == {} and not serve.is_alive()
    message = InboundMessage.objects.get()
    assert (message.source, message.status, message.envelope_sender, message.recipients) == (
        Source.SMTP, InboundStatus.PROCESSED, "anna@acme.example", ["support@picocore.example"],
    )  # fmt: skip
    ticket = Ticket.objects.get(key="ACME-2")
    assert (ticket.title, ticket.requester, ticket.channel) == ("Prisimport fejler på æøå-varer", world.anna, "email")


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_refuses_recipients_that_are_not_ours(world, listener):
    controller = listener(lmtp=False)
    with (
        smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("a@b.example", ["victim@elsewhere.example"], b"Subject: relay?\n\nx")
    assert refused.value.recipients["victim@elsewhere.example"][0] == 550
    assert not InboundMessage.objects.exists()


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_smtp_answers_451_when_the_message_cannot_be_stored(world, listener, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("picocore.mail.server.mail_receive", database_down)
    controller = listener(lmtp=False)
    with (
        smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as error,
    ):
        client.sendmail("anna@acme.example", ["support@picocore.example"], on_the_wire(corpus("gmail_new_request.eml")))
    assert error.value.smtp_code == 451
    assert not InboundMessage.objects.exists()


def lmtp_conversation(host: str, port: int, recipients: list[str], raw: bytes) -> list[str]:
    """A raw LMTP session (smtplib cannot read LMTP's one reply per recipient); returns the DATA replies."""
    with socket.create_connection((host, port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def reply() -> list[str]:
            lines = []
            while True:
                line = reader.readline().decode().rstrip("\r\n")
                lines.append(line)
                if line[3:4] != "-":
                    return lines

        def send(command: str) -> list[str]:
            sock.sendall(command.encode() + b"\r\n")
            return reply()

        reply()  # greeting
        send("LHLO client.example")
        send("MAIL FROM:<anna@acme.example>")
        for recipient in recipients:
            send(f"RCPT TO:<{recipient}>")
        assert send("DATA")[0].startswith("354")
        body = on_the_wire(raw).replace(b"\r\n.", b"\r\n..")
        sock.sendall(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        answers = [reply()[0] for _recipient in recipients]
        send("QUIT")
        return answers


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lmtp_answers_once_per_recipient(world, listener):
    controller = listener(lmtp=True)
    recipients = ["support@picocore.example", "acme@picocore.example"]
    answers = lmtp_conversation(controller.hostname, controller.port, recipients, corpus("gmail_new_request.eml"))
    assert answers == [f"250 2.0.0 Message accepted for <{r}>" for r in recipients]
    message = InboundMessage.objects.get()
    assert (message.source, message.recipients, message.outcome) == (Source.LMTP, recipients, Outcome.NEW_TICKET)


# -- fetch ----------------------------------------------------------------------------------------------------


class FakeMessage:
    def __init__(self, uid: str, raw: bytes) -> None:
        self.uid, self.raw = uid, raw


class FakeImapServer:
    """What `imap.connect` returns: a logged-in mailbox with messages; records what was done to them."""

    def __init__(self, messages: dict[str, bytes]) -> None:
        self.messages = dict(messages)
        self.deleted: list[str] = []
        self.flagged: list[tuple[str, str]] = []
        self.criteria = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def fetch(self, criteria, **kwargs):
        self.criteria = criteria
        yield from [FakeMessage(uid, raw) for uid, raw in self.messages.items()]

    def delete(self, uid: str) -> None:
        self.deleted.append(uid)
        self.messages.pop(uid)

    def flag(self, uid: str, flag: str, value: bool) -> None:
        self.flagged.append((uid, flag))


@pytest.fixture
def mailbox(db, monkeypatch) -> Mailbox:
    monkeypatch.setenv("PICOCORE_TEST_IMAP_PASSWORD", "s3cret")
    return Mailbox.objects.create(
        name="Support inbox", host="imap.example", username="support", password_env="PICOCORE_TEST_IMAP_PASSWORD"
    )


@pytest.mark.django_db
def test_fetch_stores_each_message_before_deleting_it(world, mailbox, monkeypatch, django_capture_on_commit_callbacks):
    server = FakeImapServer({"1": corpus("gmail_new_request.eml"), "2": corpus("thunderbird_latin1.eml")})
    logins = []
    monkeypatch.setattr(imap, "connect", lambda box, password: logins.append(password) or server)
    deleted_when_stored = []
    real_receive = imap.mail_receive

    def receive(**kwargs):
        receipt = real_receive(**kwargs)
        deleted_when_stored.append(list(server.deleted))
        return receipt

    monkeypatch.setattr(imap, "mail_receive", receive)
    with django_capture_on_commit_callbacks(execute=True):
        result = imap.fetch_mailbox(mailbox)
    assert (result.stored, result.duplicates, result.failed, logins) == (2, 0, 0, ["s3cret"])
    assert server.deleted == ["1", "2"] and deleted_when_stored == [[], ["1"]]
    assert list(InboundMessage.objects.order_by("id").values_list("source", "mailbox", "status")) == [
        (Source.IMAP, mailbox.pk, InboundStatus.PROCESSED),
        (Source.IMAP, mailbox.pk, InboundStatus.PROCESSED),
    ]
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


@pytest.mark.django_db
def test_fetch_leaves_a_message_it_could_not_store_on_the_server(world, mailbox, monkeypatch):
    server = FakeImapServer({"7": corpus("gmail_new_request.eml")})
    monkeypatch.setattr(imap, "connect", lambda box, password: server)

    def database_down(**kwargs):
        raise OperationalError("gone")

    monkeypatch.setattr(imap, "mail_receive", database_down)
    result = imap.fetch_mailbox(mailbox)
    assert (result.stored, result.failed, server.deleted, list(server.messages)) == (0, 1, [], ["7"])


@pytest.mark.django_db
def test_fetch_marks_read_instead_of_deleting_when_configured(world, mailbox, monkeypatch):
    mailbox.after_store = AfterStore.MARK_SEEN
    mailbox.save()
    server = FakeImapServer({"3": corpus("gmail_new_request.eml")})
    monkeypatch.setattr(imap, "connect", lambda box, password: server)
    imap.fetch_mailbox(mailbox)
    assert (server.deleted, server.flagged, str(server.criteria)) == ([], [("3", "\\Seen")], "(UNSEEN)")
    # Fetched again (the flag was lost): stored once, marked again.
    imap.fetch_mailbox(mailbox)
    assert InboundMessage.objects.count() == 1 and len(server.flagged) == 2


@pytest.mark.django_db
def test_fetch_command_reports_a_mailbox_without_its_password(world, mailbox, monkeypatch):
    monkeypatch.delenv("PICOCORE_TEST_IMAP_PASSWORD")
    with pytest.raises(CommandError, match=r"1 mailbox\(es\) could not be polled"):
        call_command("mail", "fetch", "--once")
    mailbox.refresh_from_db()
    assert mailbox.last_error == (
        "MailboxError: The environment variable PICOCORE_TEST_IMAP_PASSWORD (the password of Support inbox) is not set."
    )


@pytest.mark.django_db
def test_a_server_error_with_nul_is_recorded_on_the_mailbox(world, mailbox, monkeypatch):
    def refuse(box, password):
        raise imap.MailboxError("LOGIN failed\x00: account locked\x00")

    monkeypatch.setattr(imap, "connect", refuse)
    with pytest.raises(CommandError, match=r"1 mailbox\(es\) could not be polled"):
        call_command("mail", "fetch", "--once")
    mailbox.refresh_from_db()
    assert (mailbox.last_error, mailbox.last_polled_at is not None) == (
        "MailboxError: LOGIN failed: account locked", True,
    )  # fmt: skip


@pytest.mark.django_db
def test_fetch_command_polls_the_active_mailboxes(world, mailbox, monkeypatch, capsys):
    server = FakeImapServer({"1": corpus("thunderbird_latin1.eml")})
    monkeypatch.setattr(imap, "connect", lambda box, password: server)
    Mailbox.objects.create(name="Old", host="x", username="x", password_env="NOPE", active=False)
    call_command("mail", "fetch", "--once")
    assert capsys.readouterr().out == "Support inbox: 1 stored, 0 already stored, 0 failed.\n"
