"""Every allowed and every refused transition, the reopen window and auto-close."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from picocore.core.errors import InvalidTransition, PermissionDenied
from picocore.tickets.choices import Audience, EventKind, Status, status_label
from picocore.tickets.models import Ticket
from picocore.tickets.services import (
    ticket_auto_close,
    ticket_reopen,
    ticket_reply,
    ticket_transition,
)
from picocore.tickets.states import TRANSITIONS, allowed_next

pytestmark = pytest.mark.django_db

# A path from new to each status, through allowed transitions only.
PATH_TO = {
    Status.NEW: [],
    Status.TRIAGED: [Status.TRIAGED],
    Status.IN_PROGRESS: [Status.IN_PROGRESS],
    Status.WAITING_ON_CUSTOMER: [Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER],
    Status.WAITING_ON_THIRD_PARTY: [Status.IN_PROGRESS, Status.WAITING_ON_THIRD_PARTY],
    Status.RESOLVED: [Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
    Status.CANCELLED: [Status.CANCELLED],
}
ALL_PAIRS = list(itertools.product(Status, Status))


def ticket_in(customer, consultant, status: Status) -> Ticket:
    ticket = customer.ticket()
    for step in PATH_TO[status]:
        ticket_transition(actor=consultant, ticket=ticket, to=step, note="Done.")
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def test_the_table_matches_the_lifecycle():
    assert allowed_next(Status.IN_PROGRESS) == (
        Status.WAITING_ON_CUSTOMER,
        Status.WAITING_ON_THIRD_PARTY,
        Status.RESOLVED,
        Status.CANCELLED,
    )
    assert TRANSITIONS[Status.CLOSED] == frozenset() and TRANSITIONS[Status.CANCELLED] == frozenset()
    assert TRANSITIONS[Status.RESOLVED] == {Status.CLOSED, Status.IN_PROGRESS}


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] in TRANSITIONS[p[0]]])
def test_allowed_transition(acme, consultant, current, target):
    ticket = ticket_in(acme, consultant, current)
    status_events = ticket.events.filter(kind=EventKind.STATUS_CHANGED)
    events = status_events.count()
    ticket = ticket_transition(actor=consultant, ticket=ticket, to=target, note="Fixed it.")
    assert ticket.status == target
    last = status_events.order_by("id").last()
    assert status_events.count() == events + 1
    assert (last.kind, last.data["before"], last.data["after"]) == (EventKind.STATUS_CHANGED, current, target)
    assert (ticket.resolved_at is not None) == (target == Status.RESOLVED or (target == Status.CLOSED))
    assert (ticket.closed_at is not None) == (target in (Status.CLOSED, Status.CANCELLED))


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS[p[0]]])
def test_refused_transition(acme, consultant, current, target):
    ticket = ticket_in(acme, consultant, current)
    events = ticket.events.count()
    with pytest.raises(InvalidTransition) as error:
        ticket_transition(actor=consultant, ticket=ticket, to=target, note="Fixed it.")
    assert error.value.allowed == allowed_next(current)
    # A consultant reads the desk's words: "waiting on customer", never the customer's "waiting on you".
    assert f"cannot become {status_label(target, Audience.STAFF).lower()}" in error.value.message
    assert "waiting on you" not in error.value.message
    ticket.refresh_from_db()
    assert ticket.status == current and ticket.events.count() == events


def test_a_stale_view_is_refused_with_what_happened(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)
    with pytest.raises(InvalidTransition) as error:
        ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="x", expected_status="in_progress")
    assert error.value.message == (
        "ACME-1 changed while you were looking at it: it is now waiting on customer. Nothing was changed."
    )


def _resolved_days_ago(ticket: Ticket, days: float) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=days))
    ticket.refresh_from_db()


def test_customer_reopens_within_the_window(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 13.9)
    assert ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken").status == Status.IN_PROGRESS


def test_customer_cannot_reopen_after_the_window(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 14.1)
    with pytest.raises(PermissionDenied) as error:
        ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken")
    assert "resolved too long ago" in error.value.message
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_the_window_comes_from_the_tier(acme, consultant):
    tier = acme.organisation.contracts.get().tier
    tier.reopen_window_days = 2
    tier.save()
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 3)
    with pytest.raises(PermissionDenied):
        ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken")


def test_staff_reopen_after_the_window(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 60)
    assert ticket_reopen(actor=consultant, ticket=ticket, reason="Found more").status == Status.IN_PROGRESS


def test_customer_reply_to_a_resolved_ticket_reopens_it(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    ticket_reply(actor=acme.requester, ticket=ticket, body="It is back.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None


def test_customer_reply_after_the_window_is_refused(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 20)
    events = ticket.events.count()
    with pytest.raises(InvalidTransition):
        ticket_reply(actor=acme.requester, ticket=ticket, body="It is back.")
    assert ticket.events.count() == events


def test_staff_reply_to_a_resolved_ticket_does_not_reopen_it(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    ticket_reply(actor=consultant, ticket=ticket, body="Any news?")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_auto_close_after_the_tier_period_and_only_once(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 4.9)
    assert ticket_auto_close(ticket_id=ticket.pk) is False
    _resolved_days_ago(ticket, 5.1)
    assert ticket_auto_close(ticket_id=ticket.pk) is True
    assert ticket_auto_close(ticket_id=ticket.pk) is False
    ticket.refresh_from_db()
    closing = ticket.events.filter(kind=EventKind.STATUS_CHANGED).order_by("id").last()
    assert ticket.status == Status.CLOSED
    assert (closing.actor, closing.data["automatic"]) == (None, True)
    assert closing.body == "Closed automatically: resolved 5 days ago without a reply."
    assert ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after="closed").count() == 1


def test_auto_close_leaves_reopened_tickets_alone(acme, consultant):
    ticket = ticket_in(acme, consultant, Status.RESOLVED)
    _resolved_days_ago(ticket, 10)
    ticket_reopen(actor=consultant, ticket=ticket, reason="More")
    assert ticket_auto_close(ticket_id=ticket.pk) is False
    assert ticket_auto_close(ticket_id=999_999) is False
