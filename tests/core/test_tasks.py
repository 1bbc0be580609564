import datetime as dt

import pytest
from django.utils import timezone

from picocore.core.models import ScheduledRun
from picocore.core.tasks import discover_periodic_jobs, enqueue_due_jobs
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_transition
from picocore.tickets.tasks import auto_close_resolved_tickets

pytestmark = pytest.mark.django_db


def test_auto_close_is_declared_as_a_periodic_job():
    jobs = discover_periodic_jobs()
    assert jobs["picocore.tickets.tasks.auto_close_resolved_tickets"].every == dt.timedelta(minutes=10)


def test_each_period_is_claimed_once(django_capture_on_commit_callbacks):
    moment = timezone.now().replace(minute=0, second=10, microsecond=0)  # one second later is the same period
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = enqueue_due_jobs(moment)
        second = enqueue_due_jobs(moment + dt.timedelta(seconds=1))
    assert "picocore.tickets.tasks.auto_close_resolved_tickets" in first
    assert "picocore.tickets.tasks.auto_close_resolved_tickets" not in second
    assert len(callbacks) == len(first)
    assert ScheduledRun.objects.filter(job="picocore.tickets.tasks.auto_close_resolved_tickets").count() == 1
    later = enqueue_due_jobs(moment + dt.timedelta(minutes=10))
    assert "picocore.tickets.tasks.auto_close_resolved_tickets" in later


def test_auto_close_task_closes_due_tickets_once(acme, consultant):
    due, recent = acme.ticket(), acme.ticket()
    for ticket in (due, recent):
        ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
        ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed.")
    Ticket.objects.filter(pk=due.pk).update(resolved_at=timezone.now() - dt.timedelta(days=6))
    assert auto_close_resolved_tickets.call() == 1
    assert auto_close_resolved_tickets.call() == 0
    assert Ticket.objects.get(pk=due.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=recent.pk).status == Status.RESOLVED
