"""A new request's notifications are written by a task, not by the request: the request commits the ticket, its
first event, its deadlines and the task's row in one transaction; the task writes the team's notices, the
requester's receipt and their e-mails once, however often it runs, and all of them, even after a failure midway.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.notifications import services
from picocore.notifications.dispatch import event_fan_out
from picocore.notifications.models import EventFanOut, Notification, NotificationKind
from picocore.notifications.tasks import fan_out_event
from picocore.outbox.models import OutboxEmail
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import Ticket, TicketEvent
from tests import factories
from tests.portal.support import incident_form

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def team(operations_team, consultant) -> list:
    """The team serving ACME: the consultant and a service manager who reads Danish."""
    manager = factories.StaffFactory(
        full_name="Mads Manager", staff_role=StaffRole.SERVICE_MANAGER, language="da", email="mads@ops.example"
    )
    operations_team.members.add(manager)
    return [consultant, manager]


@pytest.fixture
def promised(acme):
    SlaTarget.objects.create(contract=acme.organisation.contracts.get(), priority=2, minutes=30,
                             metric=SlaMetric.FIRST_RESPONSE, clock=ClockKind.CALENDAR)  # fmt: skip
    return acme


def written() -> dict:
    """Every notification and e-mail, as (recipient, kind) and (address, subject)."""
    return {
        "notifications": sorted(Notification.objects.values_list("user__email", "kind")),
        "emails": sorted(OutboxEmail.objects.values_list("to_address", "subject")),
    }


def expected(acme, team) -> dict:
    consultant, manager = team
    notifications = [
        (consultant.email, NotificationKind.NEW_TICKET),
        (manager.email, NotificationKind.NEW_TICKET),
        (acme.requester.email, NotificationKind.RECEIVED),
    ]
    emails = [
        (consultant.email, "[ACME-1] New request: Product images missing"),
        (manager.email, "[ACME-1] Ny henvendelse: Product images missing"),  # in the manager's language
        (acme.requester.email, "[ACME-1] We have received your request: Product images missing"),
    ]
    return {"notifications": sorted(notifications), "emails": sorted(emails)}


@override_settings(TASKS=DATABASE_TASKS)
def test_the_request_queues_one_task_and_the_task_notifies_everyone_once(client, promised, team):
    client.force_login(promised.requester)
    response = client.post(f"/portal/new/{promised.incident.slug}/", incident_form(promised))

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    event = TicketEvent.objects.get()
    assert ticket.sla_clocks.filter(metric=SlaMetric.FIRST_RESPONSE, due_at__isnull=False).exists()
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.args_kwargs, queued.status) == (
        "picocore.notifications.tasks.fan_out_event",
        {"args": [event.pk], "kwargs": {}},
        "READY",
    )
    assert written() == {"notifications": [], "emails": []}  # nothing before the task runs

    assert fan_out_event.call(*queued.args_kwargs["args"]) == 3
    assert written() == expected(promised, team)
    receipt = OutboxEmail.objects.get(kind=NotificationKind.RECEIVED)
    assert "Our promise: a first response by" in receipt.body_text

    assert fan_out_event.call(event.pk) == 0  # run again: nobody twice
    assert written() == expected(promised, team)
    assert EventFanOut.objects.filter(event=event).count() == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_that_fails_midway_leaves_nothing_and_its_retry_notifies_everyone(acme, team, monkeypatch):
    ticket = acme.ticket(title="Product images missing")
    event = ticket.events.get()
    add = services.outbox_emails_add
    calls = []

    def fails_the_second_time(**kwargs):  # the team's e-mails are written, then the receipt's fail
        calls.append(kwargs)
        if len(calls) == 2:
            raise ConnectionError("the database went away")
        return add(**kwargs)

    monkeypatch.setattr(services, "outbox_emails_add", fails_the_second_time)
    with pytest.raises(ConnectionError):
        event_fan_out(event_id=event.pk)
    assert written() == {"notifications": [], "emails": []}
    assert not EventFanOut.objects.exists()

    monkeypatch.setattr(services, "outbox_emails_add", add)
    assert event_fan_out(event_id=event.pk) == 3
    assert event_fan_out(event_id=event.pk) == 0
    assert written() == expected(acme, team)


@override_settings(TASKS=DATABASE_TASKS)
def test_a_request_that_rolls_back_leaves_neither_ticket_nor_task(acme, team):
    with pytest.raises(RuntimeError), transaction.atomic():
        acme.ticket()
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the process died before the commit")
    assert not Ticket.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert written() == {"notifications": [], "emails": []}


def test_with_tasks_run_at_once_the_request_notifies_as_before(client, acme, team):
    """The test settings run tasks immediately: what the worker does later happens inside the request."""
    client.force_login(acme.requester)
    client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme))
    assert written() == expected(acme, team)
    assert EventFanOut.objects.count() == 1


def test_an_event_that_no_longer_exists_notifies_nobody(acme, team):
    assert event_fan_out(event_id=10**9) == 0
