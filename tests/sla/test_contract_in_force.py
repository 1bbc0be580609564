"""The contract in force is the one of the organisation's local date, whatever the UTC date is."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from picocore.catalog.selectors import offered_request_types
from picocore.contracts.models import SlaMetric
from picocore.contracts.selectors import contract_in_force, contracts_in_force
from picocore.core import reference
from picocore.sla.models import SlaClock
from tests import factories
from tests.sla.conftest import CPH, set_targets

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewed(sla_customer):
    """The customer's contract ends on Sunday 22 November; a new one with a 30-minute P2 response starts
    Monday 23 November."""
    old = sla_customer.organisation.contracts.get()
    old.ends_on = dt.date(2026, 11, 22)
    old.save()
    tier = factories.TierFactory(name="Premium", slug="premium", rank=3)
    tier.request_types.add(sla_customer.incident)
    set_targets(tier, p2_first_response=30, p2_resolution=480)
    new = factories.ContractFactory(
        organisation=sla_customer.organisation, tier=tier, starts_on=dt.date(2026, 11, 23), calendar=old.calendar
    )
    return old, new


def test_just_after_local_midnight_the_new_contract_is_in_force(sla_customer, renewed, clock):
    old, new = renewed
    clock.set(dt.datetime(2026, 11, 23, 0, 30, tzinfo=CPH))  # Sunday 23:30 UTC
    assert contract_in_force(organisation=sla_customer.organisation) == new
    assert contract_in_force(organisation=sla_customer.organisation, at=clock()) == new
    assert (
        contract_in_force(organisation=sla_customer.organisation, at=dt.datetime(2026, 11, 22, 22, 59, tzinfo=dt.UTC))
        == old
    )


def test_a_ticket_created_just_after_local_midnight_gets_the_new_targets(sla_customer, renewed, clock):
    clock.set(dt.datetime(2026, 11, 23, 0, 30, tzinfo=CPH))
    ticket = sla_customer.ticket()  # P2
    response = SlaClock.objects.get(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE)
    assert response.target_seconds == 30 * 60
    assert response.due_at == dt.datetime(2026, 11, 23, 8, 30, tzinfo=CPH)


def test_west_of_utc_the_old_contract_holds_until_local_midnight(sla_customer, renewed, clock):
    old, new = renewed
    organisation = sla_customer.organisation
    organisation.time_zone = "America/New_York"
    organisation.save()
    clock.set(dt.datetime(2026, 11, 22, 22, 0, tzinfo=ZoneInfo("America/New_York")))  # Monday 03:00 UTC
    assert contract_in_force(organisation=organisation) == old
    assert list(offered_request_types(organisation=organisation)) == [sla_customer.incident]
    clock.set(dt.datetime(2026, 11, 23, 0, 1, tzinfo=ZoneInfo("America/New_York")))
    assert contract_in_force(organisation=organisation) == new


def test_the_contracts_of_many_organisations_at_once_are_those_each_has_in_force(
    sla_customer, renewed, clock, django_assert_num_queries
):
    """`contracts_in_force` (for a page of tickets) chooses as `contract_in_force` does for each organisation,
    on its own local date — here around Copenhagen's and New York's midnights — from the contracts the process
    keeps: one query to load them, none after."""
    old, new = renewed
    west = factories.OrganisationFactory(key_prefix="WEST", time_zone="America/New_York")
    west_old = factories.ContractFactory(organisation=west, ends_on=dt.date(2026, 11, 22))
    west_new = factories.ContractFactory(organisation=west, starts_on=dt.date(2026, 11, 23))
    factories.ContractFactory(organisation=west, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30))
    without = factories.OrganisationFactory(key_prefix="NONE")
    organisations = [sla_customer.organisation, west, without]
    with reference.scope():  # as in a request: the reference token is read once
        with django_assert_num_queries(5):  # the token, every contract, their calendars' three kinds of rows
            contracts_in_force(organisations=organisations, at=clock())
        for moment, expected in (
            (dt.datetime(2026, 11, 22, 22, 59, tzinfo=dt.UTC), {sla_customer.organisation.pk: old, west.pk: west_old}),
            (dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC), {sla_customer.organisation.pk: new, west.pk: west_old}),
            (dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC), {sla_customer.organisation.pk: new, west.pk: west_new}),
        ):
            with django_assert_num_queries(0):
                chosen = contracts_in_force(organisations=organisations, at=moment)
            assert chosen == expected
            assert chosen == {
                o.pk: contract
                for o in organisations
                if (contract := contract_in_force(organisation=o, at=moment)) is not None
            }
    assert contracts_in_force(organisations=[], at=clock()) == {}
