"""An hour-bank world: Acme's contract with 10 h a month (carry-over capped at 5 h for one month), rounding to
15 minutes, × 1.5 on weekends and × 2 on public holidays, on a Copenhagen office calendar; a clock we move."""

import datetime as dt
from decimal import Decimal

import pytest

from picocore.contracts.models import Contract
from picocore.hours.models import HourTerms
from picocore.security.models import SecuritySettings
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH, Clock, make_office


@pytest.fixture
def clock(monkeypatch, db) -> Clock:
    fake = Clock(dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH))  # a Monday in January
    monkeypatch.setattr("django.utils.timezone.now", fake)
    # Staff of these tests have no second factor: keep them in its grace period whatever the clock says.
    SecuritySettings.objects.update_or_create(
        pk=SecuritySettings.SINGLETON, defaults={"staff_second_factor_from": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)}
    )
    return fake


@pytest.fixture
def office(db):
    return make_office()


@pytest.fixture
def contract(acme, office, clock) -> Contract:
    contract = Contract.objects.get(organisation=acme.organisation)
    contract.starts_on = dt.date(2027, 1, 1)
    contract.calendar = office
    contract.save()
    HourTerms.objects.create(
        contract=contract, included_minutes=600, carry_over_cap_minutes=300, carry_over_months=1,
        rounding_minutes=15, outside_hours_rate=Decimal("1.25"), weekend_rate=Decimal("1.5"),
        holiday_rate=Decimal(2), edit_window_hours=48,
    )  # fmt: skip
    return contract


@pytest.fixture
def manager(db):
    return factories.StaffFactory(full_name="Sam Manager", staff_role=StaffRole.SERVICE_MANAGER)


# What the timer's form refuses, each with a message and nothing changed (desk tickets' and development items'
# timers alike).
BAD_TIMER_INPUT = [
    {"action": "explode"}, {}, {"action": "stop", "billing": "invented"}, {"action": "stop", "description": "x" * 201},
    {"action": "stop", "description": "ok\x00"}, {"action": "start\x00"},
]  # fmt: skip


def assert_refused_with_a_message(client, url: str, data: dict) -> None:
    """The timer form at `url` answers `data` with an error message, the one running timer kept, nothing logged."""
    from picocore.hours.models import RunningTimer, TimeEntry

    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
    assert RunningTimer.objects.count() == 1 and not TimeEntry.objects.exists()
