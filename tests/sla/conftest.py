"""An SLA world: a Copenhagen office calendar, targets on the customer's tier, and a clock we can move."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.sla.models import BusinessHoursCalendar, CalendarInterval
from picocore.tenancy.choices import StaffRole
from tests import factories

CPH = ZoneInfo("Europe/Copenhagen")


class Clock:
    """The current time as the code sees it (`django.utils.timezone.now`), set and moved by the test.

    Tests set it in local time; it answers in UTC, as `timezone.now()` does in production, so code that takes
    `.date()` of the current moment sees the UTC date, not the local one."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current.astimezone(dt.UTC)

    def set(self, moment: dt.datetime) -> None:
        self.current = moment

    def advance(self, **delta) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CPH))  # a Monday morning
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake


def make_office() -> BusinessHoursCalendar:
    """Copenhagen, Monday to Friday 08:00–16:00, Danish public holidays."""
    calendar = BusinessHoursCalendar.objects.create(
        name="Copenhagen office", time_zone="Europe/Copenhagen", country="DK"
    )
    for weekday in range(5):
        CalendarInterval.objects.create(calendar=calendar, weekday=weekday, starts=dt.time(8), ends=dt.time(16))
    return calendar


@pytest.fixture
def office(db) -> BusinessHoursCalendar:
    return make_office()


def set_targets(tier, **minutes_by_priority_metric) -> None:
    """set_targets(tier, p1_first_response=60, p1_resolution=480, ...) (business time unless `_24x7`)."""
    for name, minutes in minutes_by_priority_metric.items():
        clock = ClockKind.CALENDAR if name.endswith("_24x7") else ClockKind.BUSINESS
        name = name.removesuffix("_24x7")
        priority, metric = int(name[1]), name[3:]
        SlaTarget.objects.update_or_create(
            tier=tier, priority=priority, metric=SlaMetric(metric), defaults={"minutes": minutes, "clock": clock}
        )


@pytest.fixture
def sla_customer(acme, office, clock):
    contract = acme.organisation.contracts.get()
    contract.calendar = office
    contract.starts_on = dt.date(2020, 1, 1)
    contract.save()
    set_targets(
        contract.tier,
        p1_first_response=60, p1_next_update=120, p1_resolution=480,
        p2_first_response=120, p2_next_update=240, p2_resolution=960,
        p3_first_response=240, p3_resolution=1920,
    )  # fmt: skip
    return acme


@pytest.fixture
def manager(operations_team):
    """The operations team's service manager, who hears of every breach."""
    user = factories.StaffFactory(full_name="Magnus Manager", staff_role=StaffRole.SERVICE_MANAGER)
    operations_team.members.add(user)
    return user
