"""Editing a contract or a calendar in the admin recomputes the affected tickets' deadlines."""

import datetime as dt

import pytest
from django.urls import reverse

from picocore.contracts.models import SlaMetric
from picocore.sla.models import SlaClock
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def resolution_due(ticket) -> dt.datetime:
    return SlaClock.objects.get(ticket=ticket, metric=SlaMetric.RESOLUTION).due_at


def test_a_closed_day_added_in_the_admin_moves_the_deadline(
    client, sla_customer, office, clock, django_capture_on_commit_callbacks
):
    ticket = sla_customer.ticket()  # P2 resolution: 16 business hours from Monday 09:00 → Wednesday 09:00
    assert resolution_due(ticket) == dt.datetime(2026, 11, 25, 9, tzinfo=CPH)
    root = factories.UserFactory(staff_role=StaffRole.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(root)
    intervals = list(office.intervals.order_by("id"))
    data = {
        "name": office.name,
        "time_zone": office.time_zone,
        "country": office.country,
        "subdivision": "",
        "intervals-TOTAL_FORMS": str(len(intervals)),
        "intervals-INITIAL_FORMS": str(len(intervals)),
        "closed_days-TOTAL_FORMS": "1",
        "closed_days-INITIAL_FORMS": "0",
        "closed_days-0-day": "2026-11-24",
        "closed_days-0-reason": "Company day",
        "extra_open-TOTAL_FORMS": "0",
        "extra_open-INITIAL_FORMS": "0",
    }
    for index, interval in enumerate(intervals):
        data.update({
            f"intervals-{index}-id": interval.pk,
            f"intervals-{index}-calendar": office.pk,
            f"intervals-{index}-weekday": interval.weekday,
            f"intervals-{index}-starts": "08:00",
            f"intervals-{index}-ends": "16:00",
        })  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:sla_businesshourscalendar_change", args=[office.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert resolution_due(ticket) == dt.datetime(2026, 11, 26, 9, tzinfo=CPH)  # Tuesday no longer counts


def test_the_recompute_command_rebuilds_lost_clocks(sla_customer, clock):
    from django.core.management import call_command

    ticket = sla_customer.ticket()
    SlaClock.objects.all().delete()
    call_command("sla_recompute", organisation=sla_customer.organisation.slug, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert resolution_due(ticket) == dt.datetime(2026, 11, 25, 9, tzinfo=CPH)
