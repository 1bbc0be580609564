"""Notifications sent per second: outbox e-mails handed to a local SMTP server (aiosmtpd on loopback).

Creates a fresh SQLite database (or uses DATABASE_URL), writes N outbox e-mails the way notifications do,
then sends them one by one exactly as the worker does (claim, render the MIME message, SMTP, mark sent) and
reports e-mails per second. Usage: .venv/bin/python bench/outbox_bench.py [--emails 2000]
"""

import argparse
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=2000)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="picocore-bench-outbox-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picocore.config.settings")
    os.environ.update(SECRET_KEY="bench-" + "x" * 50, PICOCORE_HTTPS="0", PICOCORE_VAR_DIR=var_dir,
                      PICOCORE_LOG_LEVEL="ERROR", ALLOWED_HOSTS="127.0.0.1")  # fmt: skip

    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()

    import django
    from django.conf import settings

    django.setup()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from picocore.outbox.models import OutboxEmail
    from picocore.outbox.services import outbox_due_ids, outbox_send
    from picocore.tenancy.models import User

    user = User.objects.create_user("anna@bench.example", None, full_name="Anna Bench")
    body = "Thank you, Anna. The nightly asset export failed on a changed folder permission.\n" * 8
    OutboxEmail.objects.bulk_create(
        OutboxEmail(recipient=user, to_address=user.email, subject=f"[BENCH-{n}] Re: Images missing",
                    body_text=body, body_html=f"<p>{body}</p>", kind="reply", reply_to="support+bench@picocore.example")
        for n in range(args.emails)
    )  # fmt: skip
    ids = outbox_due_ids(limit=args.emails)
    half = len(ids) // 2
    from django.core.mail import mailers

    started = time.perf_counter()
    outcomes = [outbox_send(email_id=i) for i in ids[:half]]  # as the task enqueued per e-mail does
    single = time.perf_counter() - started
    started = time.perf_counter()
    with mailers.default as connection:  # as the periodic batch does
        outcomes += [outbox_send(email_id=i, connection=connection) for i in ids[half:]]
    batch = time.perf_counter() - started
    elapsed = single + batch
    controller.stop()
    sent = outcomes.count("sent")
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"one connection per e-mail: {half / single:.0f} e-mails/s")
    print(f"one connection per batch: {(len(ids) - half) / batch:.0f} e-mails/s")
    print(f"sent {sent} of {len(ids)} in {elapsed:.2f} s; the sink received {Sink.received}")


if __name__ == "__main__":
    main()
