"""`picocore mail ingest` as an MTA runs it: in a demo installation without environment variables, loading
only the apps that storing a message needs."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from picocore.cli import INGEST_APPS
from tests.mail.conftest import corpus

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "picocore.cli", *args], input=stdin, capture_output=True, cwd=ROOT, env=env,
        timeout=180, check=False,
    )  # fmt: skip


def test_ingest_apps_hold_every_model_storing_a_message_touches():
    """The inbound message's relations (and theirs, and the task queue's) all belong to INGEST_APPS, so
    the lean start-up can build every model it saves."""
    labels = {apps.get_app_config(name.rsplit(".", 1)[-1]).label for name in INGEST_APPS if name != "django_tasks_db"}
    labels.add(apps.get_containing_app_config("django_tasks_db").label)
    needed, todo = set(), ["mail", apps.get_containing_app_config("django_tasks_db").label]
    while todo:
        label = todo.pop()
        if label in needed:
            continue
        needed.add(label)
        for model in apps.get_app_config(label).get_models():
            # Forward relations only: a model is built once the models it points at are.
            related = [f.related_model for f in model._meta.get_fields()
                       if f.is_relation and f.related_model and not f.auto_created]  # fmt: skip
            todo += [other._meta.app_label for other in [*related, *model._meta.parents]]
    assert needed <= labels, needed - labels


def test_ingest_in_a_demo_installation_needs_no_environment_variables(tmp_path):
    """After `picocore demo` (migrate, demo_load), an MTA's `picocore mail ingest` — no PICOCORE_DEMO,
    SECRET_KEY or DATABASE_URL — stores the message in the demo's database and queues its processing."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PICOCORE_VAR_DIR": str(tmp_path)}
    for args in (["manage", "migrate", "--no-input", "-v", "0"], ["manage", "demo_load"]):
        done = run(args, {**base, "PICOCORE_DEMO": "1"})
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert (tmp_path / "demo-installation").is_file()

    ingest = run(["mail", "ingest", "--recipient", "support@picocore.example"], base, corpus("gmail_new_request.eml"))

    assert ingest.returncode == 0, ingest.stderr.decode()[-2000:]
    with sqlite3.connect(tmp_path / "picocore.sqlite3") as db:
        stored = db.execute("SELECT status, subject, recipients FROM mail_inboundmessage").fetchall()
        queued = db.execute("SELECT task_path FROM django_tasks_database_dbtaskresult WHERE status = 'READY'")
        assert stored == [("received", "Prisimport fejler på æøå-varer", '["support@picocore.example"]')]
        assert "picocore.mail.tasks.process_inbound_message" in {row[0] for row in queued}


def test_a_secret_key_in_the_environment_means_production_even_in_a_demo_installation(tmp_path):
    (tmp_path / "demo-installation").write_text("")
    code = "from picocore.config import settings; print(settings.DEMO, settings.DEBUG)"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PICOCORE_VAR_DIR": str(tmp_path)}
    for env, expected in (({}, b"True True"), ({"SECRET_KEY": "x" * 60}, b"False False")):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, env={**base, **env},
                              timeout=60, check=False)  # fmt: skip
        assert done.stdout.strip() == expected, done.stderr.decode()[-2000:]
