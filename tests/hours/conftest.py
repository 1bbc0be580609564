"""An hour-bank world: Acme's contract with 10 h a month (carry-over capped at 5 h for one month), rounding to
15 minutes, × 1.5 on weekends and × 2 on public holidays, on a Copenhagen office calendar; a clock we move."""

import datetime as dt
from decimal import Decimal

import pytest

from picocore.contracts.models import Contract
from picocore.hours.models import HourTerms
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH, Clock, make_office


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH))  # a Monday in January
    monkeypatch.setattr("django.utils.timezone.now", fake)
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
