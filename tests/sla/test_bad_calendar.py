"""A calendar with public holidays nobody knows is refused when saved, and one that slipped through (saved
before validation, or around it) is reported on the desk and to administrators instead of failing pages."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from picocore.contracts.models import SlaMetric
from picocore.sla.models import BusinessHoursCalendar, CalendarInterval, SlaClock
from picocore.sla.sweep import sla_sweep
from picocore.sla.tasks import recompute_organisation_clocks
from picocore.tenancy.choices import StaffRole
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_reply
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=CPH)


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("XX", "", "country"), ("DK", "ZZ", "subdivision"), ("", "BY", "country"), ("DE", "by", "subdivision")],
)
def test_unknown_public_holidays_are_refused_when_saved(db, country, subdivision, field):
    calendar = BusinessHoursCalendar(name="Office", country=country, subdivision=subdivision)
    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert list(refused.value.message_dict) == [field]


def test_a_country_code_in_lower_case_is_stored_in_upper_case(db):
    calendar = BusinessHoursCalendar(name="Office", country="de", subdivision="BY")
    calendar.full_clean()
    assert (calendar.country, calendar.subdivision) == ("DE", "BY")


def test_the_admin_refuses_an_unknown_country_and_changes_nothing(
    client, sla_customer, office, django_capture_on_commit_callbacks
):
    root = factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(root)
    data = {
        "name": office.name,
        "time_zone": office.time_zone,
        "country": "XX",
        "subdivision": "",
        "intervals-TOTAL_FORMS": "0",
        "intervals-INITIAL_FORMS": "0",
        "closed_days-TOTAL_FORMS": "0",
        "closed_days-INITIAL_FORMS": "0",
        "extra_open-TOTAL_FORMS": "0",
        "extra_open-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("admin:sla_businesshourscalendar_change", args=[office.pk]), data)
    assert response.status_code == 200
    assert "No public holidays are known for “XX”" in response.content.decode()
    assert BusinessHoursCalendar.objects.get(pk=office.pk).country == "DK"
    assert callbacks == []


@pytest.fixture
def broken_holidays(sla_customer, office):
    BusinessHoursCalendar.objects.filter(pk=office.pk).update(country="XX")  # as saved before validation
    return sla_customer


def test_tickets_keep_their_clocks_without_the_unknown_holidays(broken_holidays, consultant, clock, caplog):
    with caplog.at_level(logging.ERROR, logger="picocore.sla.services"):
        ticket = broken_holidays.ticket()  # P2, Monday 09:00
    response = SlaClock.objects.get(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE)
    assert response.due_at == at(23, 11)
    assert "The business-hours calendar “Copenhagen office” cannot be used" in caplog.text
    clock.set(at(23, 10))
    ticket_reply(actor=consultant, ticket=ticket, body="On it.")
    assert SlaClock.objects.get(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE).met is True
    assert recompute_organisation_clocks.call(broken_holidays.organisation.pk) == 1
    assert sla_sweep(at(23, 13)) == (1, 0)  # the update clock's warning, nothing fails


def test_the_desk_reports_the_calendar_and_the_portal_still_shows_the_request(
    client, broken_holidays, consultant, clock
):
    ticket = broken_holidays.ticket()
    client.force_login(consultant)
    desk = client.get(reverse("desk:ticket", args=[ticket.key]))
    assert desk.status_code == 200
    page = desk.content.decode()
    assert (
        "The business-hours calendar “Copenhagen office” cannot be used: No public holidays known for &#x27;XX&#x27;"
        in page
    )
    assert "Deadlines are counted without its public holidays until it is corrected." in page
    client.force_login(broken_holidays.requester)
    assert client.get(reverse("portal:request", args=[ticket.key])).status_code == 200


def test_a_calendar_that_cannot_count_at_all_leaves_the_clocks_as_they_were(
    client, sla_customer, office, consultant, clock
):
    ticket = sla_customer.ticket()
    before = {c.metric: (c.due_at, c.stopped_at) for c in SlaClock.objects.filter(ticket=ticket)}
    # Two overlapping intervals on Monday, written around the admin's validation.
    CalendarInterval.objects.create(calendar=office, weekday=0, starts=dt.time(12), ends=dt.time(18))
    clock.set(at(23, 10))
    ticket_reply(actor=consultant, ticket=ticket, body="On it.")
    assert {c.metric: (c.due_at, c.stopped_at) for c in SlaClock.objects.filter(ticket=ticket)} == before
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == at(23, 11)
    assert recompute_organisation_clocks.call(sla_customer.organisation.pk) == 1
    client.force_login(consultant)
    page = client.get(reverse("desk:ticket", args=[ticket.key])).content.decode()
    assert "Deadlines are not recomputed until it is corrected." in page


def test_the_admin_lists_the_calendars_that_cannot_be_used(client, broken_holidays, office):
    root = factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(root)
    page = client.get(reverse("admin:sla_businesshourscalendar_changelist")).content.decode()
    assert "No public holidays known for &#x27;XX&#x27;" in page
