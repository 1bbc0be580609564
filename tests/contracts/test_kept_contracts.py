"""The contract in force as the process keeps it answers exactly as the query does, on every day around a change of
contract, and sees a new contract at once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from picocore.contracts.selectors import contract_in_force, kept_contract_in_force
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_kept_contract_is_the_one_in_force_on_every_day(acme):
    organisation = acme.organisation
    first = organisation.contracts.get()
    first.starts_on, first.ends_on = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    first.save()
    overlapping = factories.ContractFactory(
        organisation=organisation, tier=first.tier, starts_on=dt.date(2025, 6, 1), ends_on=None
    )
    zone = ZoneInfo(organisation.time_zone)
    for day in (dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 5, 31), dt.date(2025, 6, 1),
                dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2030, 1, 1)):  # fmt: skip
        for hour in (0, 23):
            at = dt.datetime.combine(day, dt.time(hour, 30), tzinfo=zone)
            kept = kept_contract_in_force(organisation=organisation, at=at)
            assert kept == contract_in_force(organisation=organisation, at=at), at
    at = dt.datetime(2025, 6, 15, 12, tzinfo=zone)
    assert kept_contract_in_force(organisation=organisation, at=at) == overlapping  # the latest-starting wins
    assert kept_contract_in_force(organisation=organisation, at=dt.datetime(2024, 12, 31, 12, tzinfo=zone)) is None


def test_a_new_contract_is_kept_at_once(acme):
    organisation = acme.organisation
    current = kept_contract_in_force(organisation=organisation)
    assert current == organisation.contracts.get()
    newer = factories.ContractFactory(organisation=organisation, tier=current.tier, starts_on=current.starts_on)
    assert kept_contract_in_force(organisation=organisation) == newer  # same start: the later id wins
