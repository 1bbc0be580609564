"""A breach is recorded once, at the moment it happened, whoever sees it first: the sweep, or a recompute after
the clock was paused or stopped. Each escalation is a notification of its own."""

import datetime as dt

import pytest

from picocore.contracts.models import SlaMetric, SlaTarget
from picocore.notifications.models import Notification, NotificationKind
from picocore.sla.models import OnCallShift, SlaClock
from picocore.sla.sweep import sla_sweep
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_change_priority, ticket_reply, ticket_transition
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db
FIRST = SlaMetric.FIRST_RESPONSE


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=CPH)


@pytest.fixture
def manager(operations_team):
    user = factories.StaffFactory(full_name="Magnus Manager", staff_role=StaffRole.SERVICE_MANAGER)
    operations_team.members.add(user)
    return user


def breaches(ticket) -> list[tuple[str, dt.datetime, str]]:
    rows = ticket.events.filter(kind=EventKind.SLA_BREACH).order_by("created_at", "id")
    return [(e.data["metric"], e.created_at, e.data["breached_at"]) for e in rows]


def notified(kind) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind=kind).order_by("id")
    return [(n.user.full_name, n.title) for n in rows.select_related("user")]


def test_a_breach_paused_before_the_sweep_is_recorded_at_its_moment(sla_customer, consultant, manager, clock):
    ticket = sla_customer.ticket()  # P2 at Monday 09:00: first response due 11:00
    clock.set(at(23, 10))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    clock.set(at(23, 11, 20))
    ticket_transition(actor=consultant, ticket=ticket, to=Status.WAITING_ON_CUSTOMER)  # paused, no reply yet
    assert breaches(ticket) == [("first_response", at(23, 11), "2026-11-23T10:00:00+00:00")]
    assert notified(NotificationKind.SLA_BREACH) == [("Magnus Manager", "ACME-1 first response breached")]
    response = SlaClock.objects.get(ticket=ticket, metric=FIRST)
    assert (response.breached_at, response.breach_recorded_at) == (at(23, 11), at(23, 11, 20))
    # The sweep finds nothing left; resuming does not record the breach again, nor at the resume time.
    assert sla_sweep(at(23, 11, 30)) == (0, 0)
    clock.set(at(23, 13))
    ticket_reply(actor=sla_customer.requester, ticket=ticket, body="Here is the log.")  # resumes the clocks
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    assert sla_sweep(at(23, 13, 5)) == (0, 0)
    assert breaches(ticket) == [("first_response", at(23, 11), "2026-11-23T10:00:00+00:00")]
    assert Notification.objects.filter(kind=NotificationKind.SLA_BREACH).count() == 1


def test_a_late_reply_before_the_sweep_records_the_breach(sla_customer, consultant, manager, clock):
    ticket = sla_customer.ticket()
    clock.set(at(23, 11, 40))
    ticket_reply(actor=consultant, ticket=ticket, body="Sorry for the wait.")  # stops the clock, 40 min late
    assert breaches(ticket) == [("first_response", at(23, 11), "2026-11-23T10:00:00+00:00")]
    assert notified(NotificationKind.SLA_BREACH) == [("Magnus Manager", "ACME-1 first response breached")]
    assert sla_sweep(at(23, 11, 45)) == (0, 0)


def test_the_sweep_records_a_breach_its_clock_knows_but_nobody_recorded(sla_customer, manager, clock):
    ticket = sla_customer.ticket()
    # As stored before breaches were recorded from the clocks' history: stopped late, never recorded.
    SlaClock.objects.filter(ticket=ticket, metric=FIRST).update(
        due_at=None, stopped_at=at(23, 11, 40), breached_at=at(23, 11), breach_recorded_at=None
    )
    assert sla_sweep(at(23, 12)) == (0, 1)
    assert breaches(ticket) == [("first_response", at(23, 11), "2026-11-23T10:00:00+00:00")]
    assert notified(NotificationKind.SLA_BREACH) == [("Magnus Manager", "ACME-1 first response breached")]
    assert sla_sweep(at(23, 12, 1)) == (0, 0)


def test_a_deadline_is_met_up_to_its_instant_and_missed_after_it(sla_customer, consultant, manager, clock):
    late = sla_customer.ticket()
    in_time = sla_customer.ticket()
    assert sla_sweep(at(23, 11)) == (2, 0)  # exactly at the deadline: both warned, neither missed yet
    clock.set(at(23, 11))
    ticket_reply(actor=consultant, ticket=in_time, body="Right on time.")
    assert SlaClock.objects.get(ticket=in_time, metric=FIRST).met is True
    assert sla_sweep(at(23, 11, 0, 1)) == (0, 1)
    assert breaches(late) == [("first_response", at(23, 11), "2026-11-23T10:00:00+00:00")]
    assert breaches(in_time) == []
    assert SlaClock.objects.get(ticket=late, metric=FIRST).breached_at == at(23, 11)


@pytest.fixture
def night_p1(sla_customer):
    SlaTarget.objects.filter(priority=1, metric=FIRST).update(minutes=30, clock="calendar")
    return sla_customer


def test_the_service_manager_on_call_gets_both_the_breach_notice_and_the_page(night_p1, manager, clock):
    OnCallShift.objects.create(user=manager, starts_at=at(23, 16), ends_at=at(24, 8))
    clock.set(at(23, 17))
    night_p1.ticket(impact="high", urgency="high")
    assert sla_sweep(at(23, 17, 31)) == (1, 1)
    assert notified(NotificationKind.SLA_BREACH) == [("Magnus Manager", "ACME-1 first response breached")]
    assert notified(NotificationKind.ON_CALL_PAGE) == [
        ("Magnus Manager", "New P1 ACME-1 outside business hours"),
        ("Magnus Manager", "P1 ACME-1 first response breached outside business hours"),
    ]


@pytest.fixture
def on_call(operations_team):
    user = factories.StaffFactory(full_name="Olga On-call", staff_role=StaffRole.CONSULTANT)
    OnCallShift.objects.create(user=user, starts_at=at(23, 16), ends_at=at(24, 8))
    other_team = factories.TeamFactory(name="Hosting")
    elsewhere = factories.StaffFactory(full_name="Hugo Hosting", staff_role=StaffRole.CONSULTANT)
    OnCallShift.objects.create(user=elsewhere, starts_at=at(23, 16), ends_at=at(24, 8), team=other_team)
    return user


def test_a_p1_created_outside_business_hours_pages_on_call_at_once(night_p1, on_call, clock):
    clock.set(at(23, 20))
    ticket = night_p1.ticket(impact="high", urgency="high")
    page = Notification.objects.get(kind=NotificationKind.ON_CALL_PAGE)
    assert (page.user, page.ticket, page.title, page.body) == (
        on_call,
        ticket,
        "New P1 ACME-1 outside business hours",
        "Images missing",
    )
    assert sla_sweep(at(23, 20, 10)) == (0, 0)
    assert Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).count() == 1


def test_a_p1_created_in_business_hours_pages_nobody(night_p1, on_call, clock):
    clock.set(at(23, 15, 50))  # ten minutes before closing; the shift starts at 16:00 anyway
    night_p1.ticket(impact="high", urgency="high")
    assert not Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).exists()


def test_a_ticket_raised_to_p1_at_night_pages_on_call_once(night_p1, on_call, consultant, clock):
    clock.set(at(23, 21))
    ticket = night_p1.ticket()  # P2: nobody paged
    assert not Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).exists()
    clock.set(at(23, 21, 5))
    ticket_change_priority(actor=consultant, ticket=ticket, priority=1, reason="The shop is down.")
    assert notified(NotificationKind.ON_CALL_PAGE) == [("Olga On-call", "New P1 ACME-1 outside business hours")]
