"""The next step never lies: a status change that makes it untrue replaces or clears it, on the timeline, and
an overdue next step is flagged on the desk and asks its owner, once per date, for a new one."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from picocore.notifications.models import Notification, NotificationKind
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import (
    ticket_assign,
    ticket_auto_close,
    ticket_merge,
    ticket_reopen,
    ticket_reply,
    ticket_set_next_step,
    ticket_transition,
)
from picocore.tickets.tasks import remind_overdue_next_steps

pytestmark = pytest.mark.django_db


def with_next_step(customer, consultant, *, due: dt.date | None = None) -> Ticket:
    ticket = customer.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_set_next_step(actor=consultant, ticket=ticket, text="We restart the importer", due=due)
    ticket.refresh_from_db()
    return ticket


def next_step_events(ticket: Ticket) -> list[dict]:
    return [
        e.data
        for e in ticket.events.filter(kind=EventKind.FIELD_CHANGED).order_by("id")
        if e.data.get("field") == "next_step"
    ]


def test_resolving_replaces_the_next_step_with_confirm_or_reopen_within_the_window(acme, consultant):
    tier = acme.organisation.contracts.get().tier
    tier.reopen_window_days = 5
    tier.save()
    ticket = with_next_step(acme, consultant, due=dt.date(2030, 1, 1))
    ticket = ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Importer fixed.")
    ticket.refresh_from_db()
    expected_due = timezone.localdate(ticket.resolved_at + dt.timedelta(days=5))
    assert (ticket.next_step, ticket.next_step_due) == (
        "Confirm the resolution or reopen the request within 5 days.",
        expected_due,
    )
    last = next_step_events(ticket)[-1]
    assert last == {
        "field": "next_step",
        "before": {"next_step": "We restart the importer", "next_step_due": "2030-01-01"},
        "after": {
            "next_step": "Confirm the resolution or reopen the request within 5 days.",
            "next_step_due": expected_due.isoformat(),
        },
        "with_status": True,
    }
    # The customer hears of the resolution once, not again of its next step.
    kinds = list(Notification.objects.filter(user=acme.requester, ticket=ticket).values_list("kind", flat=True))
    assert kinds.count(NotificationKind.RESOLVED) == 1
    assert kinds.count(NotificationKind.NEXT_STEP) == 1  # only the one set by hand before


@pytest.mark.parametrize("how", ["confirm", "staff_close", "auto_close"])
def test_closing_clears_the_next_step(acme, consultant, how):
    ticket = with_next_step(acme, consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Done.")
    if how == "confirm":
        ticket_transition(actor=acme.requester, ticket=ticket, to=Status.CLOSED)
    elif how == "staff_close":
        ticket_transition(actor=consultant, ticket=ticket, to=Status.CLOSED)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=60))
        assert ticket_auto_close(ticket_id=ticket.pk) is True
    ticket.refresh_from_db()
    assert (ticket.status, ticket.next_step, ticket.next_step_due) == (Status.CLOSED, "", None)
    assert next_step_events(ticket)[-1]["after"] == {"next_step": "", "next_step_due": None}


def test_cancelling_clears_the_next_step(acme, consultant):
    ticket = with_next_step(acme, consultant, due=dt.date(2030, 1, 1))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CANCELLED, note="Not needed.")
    ticket.refresh_from_db()
    assert (ticket.next_step, ticket.next_step_due) == ("", None)
    assert next_step_events(ticket)[-1] == {
        "field": "next_step",
        "before": {"next_step": "We restart the importer", "next_step_due": "2030-01-01"},
        "after": {"next_step": "", "next_step_due": None},
        "with_status": True,
    }


def test_merging_closes_the_duplicate_and_clears_its_next_step(acme, consultant):
    duplicate = with_next_step(acme, consultant)
    into = acme.ticket(title="The original")
    ticket_merge(actor=consultant, duplicate=duplicate, into=into)
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.next_step) == (Status.CLOSED, "")


@pytest.mark.parametrize("by", ["customer_reply", "reopen"])
def test_reopening_drops_the_confirmation_step(acme, consultant, by):
    ticket = with_next_step(acme, consultant)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Done.")
    if by == "reopen":
        ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken")
    else:
        ticket_reply(actor=acme.requester, ticket=ticket, body="Still broken")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.next_step, ticket.next_step_due) == (Status.IN_PROGRESS, "", None)


def test_other_moves_keep_the_next_step(acme, consultant):
    ticket = with_next_step(acme, consultant)
    before = len(next_step_events(ticket))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.next_step == "We restart the importer"
    assert len(next_step_events(ticket)) == before


def test_a_cancelled_ticket_without_a_next_step_records_no_next_step_change(acme, consultant):
    ticket = acme.ticket()
    ticket_transition(actor=consultant, ticket=ticket, to=Status.CANCELLED, note="Not needed.")
    assert next_step_events(ticket) == []


# Overdue


def overdue(acme, consultant, operations_team, *, days: int = 2) -> Ticket:
    ticket = with_next_step(acme, consultant, due=timezone.localdate() - dt.timedelta(days=days))
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    ticket.refresh_from_db()
    return ticket


def reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=NotificationKind.NEXT_STEP_OVERDUE))


def test_overdue_is_flagged_on_the_ticket_page_and_the_queue(client, acme, consultant, operations_team):
    ticket = overdue(acme, consultant, operations_team)
    on_time = with_next_step(acme, consultant, due=timezone.localdate())
    assert (ticket.next_step_overdue, on_time.next_step_overdue) == (True, False)
    client.force_login(consultant)
    page = client.get(reverse("desk:ticket", kwargs={"key": ticket.key})).content.decode()
    assert 'id="next-step-overdue">Overdue: set a new next step</span>' in page
    assert "next-step-overdue" not in client.get(reverse("desk:ticket", kwargs={"key": on_time.key})).content.decode()
    queue = client.get(reverse("desk:queue", args=["mine"])).content.decode()
    assert queue.count("Next step overdue") == 1


def test_the_owner_is_asked_once_per_overdue_date(acme, consultant, operations_team):
    ticket = overdue(acme, consultant, operations_team)
    assert remind_overdue_next_steps.call() == 1
    assert remind_overdue_next_steps.call() == 0  # idempotent
    (reminder,) = reminders(consultant)
    assert reminder.ticket_id == ticket.pk
    assert reminder.title.startswith("Next step overdue since ")
    assert "“We restart the importer”" in reminder.body
    assert reminders(acme.requester) == []
    # A new date that passes asks again, once.
    ticket_set_next_step(
        actor=consultant, ticket=ticket, text="We restart it again", due=timezone.localdate() - dt.timedelta(days=1)
    )
    assert remind_overdue_next_steps.call() == 1
    assert remind_overdue_next_steps.call() == 0
    assert len(reminders(consultant)) == 2


def test_no_reminder_when_on_time_unowned_or_finished(acme, consultant, operations_team):
    with_next_step(acme, consultant, due=timezone.localdate())  # due today: not yet overdue
    with_next_step(acme, consultant, due=timezone.localdate() - dt.timedelta(days=3))  # nobody owns it
    finished = overdue(acme, consultant, operations_team)
    ticket_transition(actor=consultant, ticket=finished, to=Status.CANCELLED, note="Not needed.")
    assert remind_overdue_next_steps.call() == 0
    assert reminders(consultant) == []


def test_the_sweep_is_one_query_when_nothing_is_due(acme, consultant, operations_team, django_assert_num_queries):
    ticket = overdue(acme, consultant, operations_team)
    remind_overdue_next_steps.call()
    with django_assert_num_queries(1):
        assert remind_overdue_next_steps.call() == 0
    assert len(reminders(consultant)) == 1 and ticket.pk


def test_the_sweep_every_half_hour_for_days_asks_once_per_overdue_step(acme, consultant, operations_team, monkeypatch):
    """The job runs every 30 minutes: over the four days the step stays overdue (and across the local midnights
    between them) the owner is asked once; the desk keeps showing it as overdue all the while."""
    ticket = with_next_step(acme, consultant, due=timezone.localdate() - dt.timedelta(days=1))
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    start = timezone.now()
    runs = []
    for half_hour in range(4 * 48):
        moment = start + dt.timedelta(minutes=30 * half_hour)
        monkeypatch.setattr("django.utils.timezone.now", lambda moment=moment: moment)
        runs.append(remind_overdue_next_steps.call())
    assert (runs[0], sum(runs)) == (1, 1)
    (reminder,) = reminders(consultant)
    assert reminder.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert (ticket.next_step_overdue, ticket.next_step_reminded_for) == (True, ticket.next_step_due)


def test_a_step_that_becomes_overdue_later_is_asked_about_the_day_after_its_date(
    acme, consultant, operations_team, monkeypatch
):
    """Due today: not asked today (it is not overdue yet), asked once on the first run after the local
    midnight, never again for that step."""
    ticket = with_next_step(acme, consultant, due=timezone.localdate())
    ticket_assign(actor=consultant, ticket=ticket, team=operations_team, assignee=consultant)
    assert remind_overdue_next_steps.call() == 0
    local_midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time()))
    counts = []
    for minutes in (-1, 1, 31, 24 * 60):
        moment = local_midnight + dt.timedelta(minutes=minutes)
        monkeypatch.setattr("django.utils.timezone.now", lambda moment=moment: moment)
        counts.append(remind_overdue_next_steps.call())
    assert counts == [0, 1, 0, 0]
    assert len(reminders(consultant)) == 1
