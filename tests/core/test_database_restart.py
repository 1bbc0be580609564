"""A real PostgreSQL restart under a running worker and web server.

The test starts a private PostgreSQL cluster (initdb + pg_ctl on a temporary directory and a free port, as the
`postgres` OS user when run as root, since PostgreSQL refuses to run as root), independent of the suite's own
database, so it runs whether the suite is on SQLite or PostgreSQL. Against it run a worker and a web server in
subprocesses; the cluster is stopped and started again. During the outage a page answers 503 with a retry hint;
afterwards the same worker process, never restarted, sends an e-mail queued after the restart.
"""

import contextlib
import glob
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))

pytestmark = [
    pytest.mark.transactional,
    pytest.mark.skipif(not INITDB, reason="no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateCluster:
    """A throw-away PostgreSQL cluster on 127.0.0.1:`port`, trusting local connections."""

    def __init__(self, directory: Path) -> None:
        self.bin = Path(INITDB[-1]).parent
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(directory, "postgres", "postgres")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_postgres, str(self.bin / program), *args], check=True, capture_output=True)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


QUEUE_EMAIL = """
from django.db import transaction
from picocore.outbox.services import OutgoingEmail, outbox_emails_add
from picocore.tenancy.models import User
user, _ = User.objects.get_or_create(email="anna@acme.example", defaults={"full_name": "Anna"})
with transaction.atomic():
    outbox_emails_add(emails=[OutgoingEmail(to=user, kind="reply", subject=SUBJECT, body_text="Hello.")])
"""


def get(port: int, path: str) -> http.client.HTTPResponse:
    """GET with a session cookie, so the page has to read the session from the database."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def eventually(condition, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def wait_for(condition, *, timeout: float, what: str) -> None:
    assert eventually(condition, timeout=timeout), f"timed out waiting for {what}"


def subjects(sink: SmtpSink) -> list[str]:
    return [
        line.split(b": ", 1)[1].decode()
        for m in sink.messages
        for line in m.splitlines()
        if line.startswith(b"Subject: ")
    ]


def test_worker_and_pages_live_through_a_database_restart():
    directory = Path(tempfile.mkdtemp(prefix="picocore-pg-"))
    cluster = PrivateCluster(directory)
    sink = SmtpSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    web_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}},
        "DATABASE_URL": cluster.url,
        "PICOCORE_DEMO": "1",
        "PICOCORE_VAR_DIR": str(directory / "var"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "PICOCORE_LOG_LEVEL": "INFO",
        "DJANGO_SETTINGS_MODULE": "tests.core.restart_settings",
    }
    manage = [sys.executable, "-m", "picocore.cli", "manage"]
    processes: list[subprocess.Popen] = []
    worker_log = directory / "worker.log"
    started = False
    try:
        cluster.create()
        cluster.start()
        started = True
        smtp.start()
        subprocess.run([*manage, "migrate", "--run-syncdb", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [*manage, "worker", "--interval", "0.2"], env=env, cwd=ROOT, stderr=log, stdout=log
            )
        processes.append(worker)
        web = [sys.executable, "-m", "gunicorn", "picocore.config.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
               "--workers", "1", "--threads", "2"]  # fmt: skip
        processes.append(subprocess.Popen(web, env=env, cwd=ROOT, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL))

        def queue(subject: str) -> None:
            code = f"SUBJECT = {subject!r}\n{QUEUE_EMAIL}"
            subprocess.run([*manage, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)

        queue("Before the restart")
        wait_for(lambda: "Before the restart" in subjects(sink), timeout=20, what="the first e-mail")

        def web_answers() -> bool:
            with contextlib.suppress(OSError):
                return get(web_port, "/").status == 302
            return False

        wait_for(web_answers, timeout=20, what="the web server")

        cluster.stop()
        during = get(web_port, "/")
        time.sleep(2)  # the worker keeps looking for tasks and meets the outage
        alive_during = worker.poll() is None
        cluster.start()

        queue("After the restart")
        sent_after = eventually(lambda: "After the restart" in subjects(sink), timeout=25)
        # Everything at once, so that a failure shows the whole story.
        assert {
            "page during the outage": (during.status, during.getheader("Retry-After")),
            "plain page": b"The database cannot be reached just now." in during.body,  # type: ignore[attr-defined]
            "worker alive during the outage": alive_during,
            "e-mail queued after the restart sent": sent_after,
            "the same worker process afterwards": worker.poll() is None,
            "each e-mail sent once": subjects(sink),
            "page after the restart": get(web_port, "/").status,
            "the worker logged the outage": "The worker lost the database" in worker_log.read_text(),
        } == {
            "page during the outage": (503, "30"),
            "plain page": True,
            "worker alive during the outage": True,
            "e-mail queued after the restart sent": True,
            "the same worker process afterwards": True,
            "each e-mail sent once": ["Before the restart", "After the restart"],
            "page after the restart": 302,
            "the worker logged the outage": True,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with contextlib.suppress(Exception):
            smtp.stop()
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
