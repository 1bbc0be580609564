"""Living through database outages, piece by piece: the worker puts an interrupted task back, pages answer 503
with a retry hint, `serve --with-worker` restarts a worker that exits, and a sent e-mail is marked sent once
the database is back (so it is not sent again)."""

import subprocess
import sys
import time

import pytest
from django.db import InterfaceError, OperationalError
from django.db.models.query import QuerySet
from django.tasks import task
from django.test import RequestFactory, override_settings
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from picocore.cli import WorkerSupervisor
from picocore.core import worker as worker_module
from picocore.core.db import Backoff
from picocore.core.middleware import DatabaseUnavailableMiddleware
from picocore.core.views import server_error
from picocore.core.worker import MAX_REQUEUES, ResilientWorker
from picocore.outbox.models import OutboxEmail, OutboxStatus
from picocore.outbox.services import outbox_send
from tests import factories

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CALLS: list[str] = []


@task()
def loses_the_database() -> None:
    CALLS.append("lost")
    raise InterfaceError("connection is closed")


@task()
def fails_on_its_own() -> None:
    raise ValueError("a bug")


def _worker() -> ResilientWorker:
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def _claimed(task_) -> DBTaskResult:
    result = DBTaskResult.objects.get(id=task_.enqueue().id)
    result.claim("test-worker")
    return result


@pytest.fixture
def waits(monkeypatch) -> list[str]:
    """The worker's waits for the database, recorded instead of made (the test's database is there)."""
    waited: list[str] = []

    def wait_for_database(**kwargs) -> bool:
        waited.append("waited")
        return True

    monkeypatch.setattr(worker_module, "wait_for_database", wait_for_database)
    return waited


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_interrupted_by_the_database_is_queued_again_not_failed(waits):
    CALLS.clear()
    claimed = _claimed(loses_the_database)
    _worker().run_task(claimed)
    claimed.refresh_from_db()
    assert (claimed.status, CALLS, waits) == (TaskResultStatus.READY, ["lost"], ["waited"])
    assert list(DBTaskResult.objects.ready().values_list("id", flat=True)) == [claimed.id]


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_that_always_meets_a_database_error_fails_in_the_end(waits):
    claimed = _claimed(loses_the_database)
    worker = _worker()
    for _ in range(MAX_REQUEUES):
        worker.run_task(claimed)
        claimed.refresh_from_db()
        assert claimed.status == TaskResultStatus.READY
        claimed.claim("test-worker")
    worker.run_task(claimed)
    claimed.refresh_from_db()
    assert claimed.status == TaskResultStatus.FAILED


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_that_fails_on_its_own_is_recorded_failed_at_once(waits):
    claimed = _claimed(fails_on_its_own)
    _worker().run_task(claimed)
    claimed.refresh_from_db()
    assert (claimed.status, claimed.exception_class_path, waits) == (TaskResultStatus.FAILED, "builtins.ValueError", [])


def test_the_worker_loop_waits_for_the_database_instead_of_dying(monkeypatch):
    rounds: list[str] = []

    def run_once(self) -> None:
        rounds.append("run")
        if len(rounds) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker_module.Worker, "run", run_once)
    monkeypatch.setattr(worker_module, "wait_for_database", lambda **kwargs: rounds.append("wait") or True)
    _worker().run()
    assert rounds == ["run", "wait", "run"]


def test_backoff_doubles_up_to_its_longest_pause_and_starts_over():
    backoff = Backoff(first=0.5, longest=4)
    assert [backoff.pause() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    backoff.reset()
    assert backoff.pause() == 0.5


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("could not connect"), InterfaceError("connection is closed")])
def test_a_view_that_cannot_reach_the_database_answers_503_with_a_retry_hint(error):
    request = RequestFactory().get("/portal/")
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, error)
    assert response is not None
    assert (response.status_code, response["Retry-After"], response["Cache-Control"]) == (503, "30", "no-store")
    assert b"The database cannot be reached just now." in response.content
    assert DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, ValueError("x")) is None


@pytest.mark.django_db
def test_a_page_answers_503_while_the_session_cannot_be_read(client, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    def unreachable(self):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    client.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
    response = client.get("/portal/")
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert b"PicoCore is back in a moment" in response.content


def test_an_outage_outside_a_view_is_a_503_too():
    request = RequestFactory().get("/")
    try:
        raise InterfaceError("connection is closed")
    except InterfaceError:
        response = server_error(request)
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


def test_a_worker_that_exits_is_started_again_with_growing_pauses(capfd):
    supervisor = WorkerSupervisor([sys.executable, "-c", "import sys; sys.exit(3)"], first_pause=0.1)
    supervisor.start()
    deadline = time.monotonic() + 30
    while supervisor.starts < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop()
    assert supervisor.starts >= 3
    said = capfd.readouterr().err.splitlines()
    assert said[:2] == [
        "picocore: the worker exited with code 3; starting it again in 0.1 s",
        "picocore: the worker exited with code 3; starting it again in 0.2 s",
    ]


def test_stopping_the_supervisor_stops_its_worker():
    supervisor = WorkerSupervisor([sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor.start()
    deadline = time.monotonic() + 30
    while supervisor._process is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process = supervisor._process
    assert isinstance(process, subprocess.Popen)
    supervisor.stop()
    assert process.poll() is not None
    assert supervisor.starts == 1


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_email_sent_while_the_database_goes_away_is_marked_sent_when_it_is_back(smtp_sink, monkeypatch):
    from picocore.outbox import services

    user = factories.UserFactory()
    email = OutboxEmail.objects.create(
        recipient=user, to_address=user.email, subject="Hello", body_text="Hi.", kind="reply"
    )
    original_update = QuerySet.update
    failures = []

    def update(self, **kwargs):
        if kwargs.get("status") == OutboxStatus.SENT and not failures:
            failures.append("lost")
            raise OperationalError("server closed the connection unexpectedly")
        return original_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr(services, "wait_for_database", lambda **kwargs: True)
    assert outbox_send(email_id=email.pk) == "sent"
    email.refresh_from_db()
    assert (email.status, email.attempts, email.claimed_until, failures) == (OutboxStatus.SENT, 1, None, ["lost"])
    assert len(smtp_sink.messages) == 1
    assert outbox_send(email_id=email.pk) == "skipped"  # never sent a second time
    assert len(smtp_sink.messages) == 1
