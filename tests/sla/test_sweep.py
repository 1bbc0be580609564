"""The sweep records each warning and breach once, on the timeline, and escalates to the right people."""

import datetime as dt

import pytest

from picocore.notifications.models import Notification, NotificationKind
from picocore.sla.models import OnCallShift
from picocore.sla.sweep import sla_sweep
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import EventKind
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)


@pytest.fixture
def manager(operations_team):
    user = factories.StaffFactory(full_name="Magnus Manager", staff_role=StaffRole.SERVICE_MANAGER)
    operations_team.members.add(user)
    return user


@pytest.fixture
def on_call():
    user = factories.StaffFactory(full_name="Olga On-call", staff_role=StaffRole.CONSULTANT)
    OnCallShift.objects.create(user=user, starts_at=at(23, 16), ends_at=at(24, 8))
    return user


def events(ticket, kind):
    return list(ticket.events.filter(kind=kind).values_list("data__metric", flat=True))


def test_nothing_due_records_nothing(sla_customer, clock):
    sla_customer.ticket()
    assert sla_sweep(at(23, 9, 30)) == (0, 0)


def test_warning_then_breach_each_recorded_once(sla_customer, manager, clock):
    ticket = sla_customer.ticket()  # P2: first response due 11:00, warning at 10:30
    assert sla_sweep(at(23, 10, 31)) == (1, 0)
    assert sla_sweep(at(23, 10, 32)) == (0, 0)
    assert sla_sweep(at(23, 11, 1)) == (0, 1)
    assert sla_sweep(at(23, 11, 2)) == (0, 0)
    assert events(ticket, EventKind.SLA_WARNING) == ["first_response"]
    assert events(ticket, EventKind.SLA_BREACH) == ["first_response"]
    assert not ticket.events.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH], public=True).exists()
    breach = Notification.objects.get(kind=NotificationKind.SLA_BREACH)
    assert (breach.user, breach.ticket, breach.title) == (manager, ticket, "ACME-1 first response breached")


def test_on_call_is_paged_for_a_p1_breach_at_night(sla_customer, manager, on_call, clock):
    from picocore.contracts.models import SlaMetric, SlaTarget

    SlaTarget.objects.filter(priority=1, metric=SlaMetric.FIRST_RESPONSE).update(minutes=30, clock="calendar")
    clock.set(at(23, 17))
    ticket = sla_customer.ticket(impact="high", urgency="high")
    assert sla_sweep(at(23, 17, 31)) == (1, 1)
    pages = Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).order_by("id")
    assert [(page.user, page.ticket, page.title) for page in pages] == [
        (on_call, ticket, "New P1 ACME-1 outside business hours"),
        (on_call, ticket, "P1 ACME-1 first response breached outside business hours"),
    ]
    assert Notification.objects.get(kind=NotificationKind.SLA_BREACH).user == manager
    assert sla_sweep(at(23, 17, 40)) == (0, 0)
    assert Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).count() == 2


def test_in_one_night_batch_only_the_p1_pages(sla_customer, manager, on_call, clock):
    from picocore.contracts.models import SlaMetric, SlaTarget

    SlaTarget.objects.filter(metric=SlaMetric.FIRST_RESPONSE).update(minutes=30, clock="calendar")
    clock.set(at(23, 17))
    p1 = sla_customer.ticket(impact="high", urgency="high")
    p3 = sla_customer.ticket(title="Typo on the about page", impact="medium", urgency="medium")
    assert p3.priority == 3
    assert sla_sweep(at(23, 17, 31)) == (2, 2)  # both breach in the same claimed batch
    breaches = Notification.objects.filter(kind=NotificationKind.SLA_BREACH)
    assert sorted(breaches.values_list("ticket_id", flat=True)) == sorted([p1.pk, p3.pk])
    pages = Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE, title__contains="breached")
    assert [(page.user, page.ticket) for page in pages] == [(on_call, p1)]


def test_a_p1_breach_in_business_hours_does_not_page(sla_customer, manager, on_call, clock):
    ticket = sla_customer.ticket(impact="high", urgency="high")  # Monday 09:00, due 10:00
    assert sla_sweep(at(23, 10, 1)) == (1, 1)
    assert not Notification.objects.filter(kind=NotificationKind.ON_CALL_PAGE).exists()
    assert events(ticket, EventKind.SLA_BREACH) == ["first_response"]


def test_paused_and_stopped_clocks_are_not_swept(sla_customer, consultant, clock):
    from picocore.tickets.services import ticket_reply

    ticket = sla_customer.ticket()
    clock.set(at(23, 9, 10))
    ticket_reply(actor=consultant, ticket=ticket, body="On it.")
    assert sla_sweep(at(23, 11, 30)) == (0, 0)  # first response met; the update clock warns at 12:10
