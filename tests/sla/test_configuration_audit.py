"""Every change to SLA configuration — the tier's targets, a contract's overrides, a calendar's schedule — is
on the audit trail with before and after, and recomputes the clocks, whether made in the admin or not."""

import datetime as dt

import pytest
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.audit.services import RowChanges
from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.contracts.services import contract_update
from picocore.core.errors import ValidationError
from picocore.sla.models import BusinessHoursCalendar, CalendarClosedDay, SlaClock
from picocore.sla.services import calendar_update
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def entries(model) -> list[tuple[str, str, dict]]:
    rows = AuditEntry.objects.filter(content_type__model=model._meta.model_name).order_by("id")
    return [(e.action, e.object_repr, e.changes) for e in rows]


def response_target(ticket) -> int:
    return SlaClock.objects.get(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE).target_seconds


def target_fields(name: str, minutes: int) -> dict:
    """The admin's "h" and "min" boxes of a target field holding `minutes`."""
    hours, rest = divmod(minutes, 60)
    return {f"{name}_hours": hours, f"{name}_minutes": rest}


def tier_form(tier, targets) -> dict:
    data = {
        "name": tier.name, "slug": tier.slug, "rank": tier.rank, "description": "",
        "request_types": [t.pk for t in tier.request_types.all()], "reopen_window_days": 14,
        "auto_close_after_days": 5, "warn_at_percent": 75, "breaching_soon_hours": 8, "hours_per_month": "0",
        "hotline_coverage": "none",
        "rating_scale": 5,
        "sla_targets-TOTAL_FORMS": str(len(targets)), "sla_targets-INITIAL_FORMS": str(len(targets)),
    }  # fmt: skip
    for index, target in enumerate(targets):
        data.update({
            f"sla_targets-{index}-id": target.pk, f"sla_targets-{index}-tier": tier.pk,
            f"sla_targets-{index}-priority": target.priority, f"sla_targets-{index}-metric": target.metric,
            **target_fields(f"sla_targets-{index}-minutes", target.minutes),
            f"sla_targets-{index}-clock": target.clock,
        })  # fmt: skip
    return data


def test_a_target_changed_inline_on_a_tier_is_audited_and_recomputed(
    client, sla_customer, clock, root, django_capture_on_commit_callbacks
):
    ticket = sla_customer.ticket()  # P2: first response in 120 business minutes
    tier = sla_customer.organisation.contracts.get().tier
    targets = list(tier.sla_targets.order_by("id"))
    data = tier_form(tier, targets)
    changed = next(i for i, t in enumerate(targets) if (t.priority, t.metric) == (2, SlaMetric.FIRST_RESPONSE))
    data.update(target_fields(f"sla_targets-{changed}-minutes", 30))
    AuditEntry.objects.all()  # nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:contracts_tier_change", args=[tier.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert entries(SlaTarget) == [
        (
            "changed",
            f"{tier.name}: P2 First response: 30 min (Business hours)",
            {"minutes": {"before": 120, "after": 30}},
        )
    ]
    assert entries(type(tier)) == []  # the tier itself did not change
    assert response_target(ticket) == 30 * 60


def test_an_override_added_and_removed_on_a_contract_is_audited_and_recomputed(
    client, sla_customer, clock, root, django_capture_on_commit_callbacks
):
    ticket = sla_customer.ticket()
    contract = sla_customer.organisation.contracts.get()
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    base = {
        "organisation": contract.organisation_id, "tier": contract.tier_id, "starts_on": "2020-01-01",
        "ends_on": "", "hotline_number": "+45 70 00 00 00", "calendar": contract.calendar_id,
    }  # fmt: skip
    add = {**base, "sla_targets-TOTAL_FORMS": "1", "sla_targets-INITIAL_FORMS": "0",
           "sla_targets-0-contract": contract.pk, "sla_targets-0-priority": 2,
           "sla_targets-0-metric": SlaMetric.FIRST_RESPONSE, **target_fields("sla_targets-0-minutes", 45),
           "sla_targets-0-clock": ClockKind.BUSINESS}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, add)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response_target(ticket) == 45 * 60
    override = SlaTarget.objects.get(contract=contract)
    [(action, name, changes)] = entries(SlaTarget)
    assert (action, name) == ("created", f"{contract}: P2 First response: 45 min (Business hours)")
    assert changes["minutes"] == {"before": None, "after": 45}
    [(action, name, changes)] = entries(type(contract))
    assert (action, changes["hotline_number"]) == ("changed", {"before": "", "after": "+45 70 00 00 00"})

    remove = {**base, "sla_targets-TOTAL_FORMS": "1", "sla_targets-INITIAL_FORMS": "1",
              "sla_targets-0-id": override.pk, "sla_targets-0-contract": contract.pk,
              "sla_targets-0-priority": 2, "sla_targets-0-metric": SlaMetric.FIRST_RESPONSE,
              **target_fields("sla_targets-0-minutes", 45), "sla_targets-0-clock": ClockKind.BUSINESS,
              "sla_targets-0-DELETE": "on"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, remove).status_code == 302
    assert not SlaTarget.objects.filter(contract=contract).exists()
    deleted = entries(SlaTarget)[-1]
    assert (deleted[0], deleted[2]["minutes"]) == ("deleted", {"before": 45, "after": None})
    assert response_target(ticket) == 120 * 60


def test_a_schedule_changed_inline_on_a_calendar_is_audited_and_recomputed(
    client, root, sla_customer, office, clock, django_capture_on_commit_callbacks
):
    ticket = sla_customer.ticket()  # P2 at Monday 09:00: first response due 11:00
    intervals = list(office.intervals.order_by("id"))
    data = {
        "name": office.name, "time_zone": office.time_zone, "country": office.country, "subdivision": "",
        "intervals-TOTAL_FORMS": str(len(intervals)), "intervals-INITIAL_FORMS": str(len(intervals)),
        "closed_days-TOTAL_FORMS": "0", "closed_days-INITIAL_FORMS": "0",
        "extra_open-TOTAL_FORMS": "0", "extra_open-INITIAL_FORMS": "0",
    }  # fmt: skip
    for index, interval in enumerate(intervals):
        data.update({
            f"intervals-{index}-id": interval.pk, f"intervals-{index}-calendar": office.pk,
            f"intervals-{index}-weekday": interval.weekday, f"intervals-{index}-starts": "08:00",
            f"intervals-{index}-ends": "16:00",
        })  # fmt: skip
    data["intervals-0-starts"] = "10:00"  # Monday opens at 10:00
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:sla_businesshourscalendar_change", args=[office.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [(action, name, changes)] = entries(type(intervals[0]))
    assert (action, name, changes) == (
        "changed",
        "Monday 10:00–16:00",
        {"starts": {"before": "08:00:00", "after": "10:00:00"}},
    )
    assert SlaClock.objects.get(ticket=ticket, metric=SlaMetric.FIRST_RESPONSE).due_at == dt.datetime(
        2026, 11, 23, 12, tzinfo=CPH
    )


def test_contract_update_outside_the_admin_audits_and_recomputes(
    sla_customer, consultant, clock, django_capture_on_commit_callbacks
):
    ticket = sla_customer.ticket()
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    contract = sla_customer.organisation.contracts.get()
    override = SlaTarget(contract=contract, priority=2, metric=SlaMetric.FIRST_RESPONSE, minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        contract_update(actor=manager, contract=contract, targets=RowChanges(saved=[override]))
    assert response_target(ticket) == 15 * 60
    entry = AuditEntry.objects.get(content_type__model="slatarget")
    assert (entry.actor, entry.action, entry.changes["minutes"]) == (manager, "created", {"before": None, "after": 15})


def test_calendar_update_refuses_unknown_holidays_and_changes_nothing(
    sla_customer, office, clock, django_capture_on_commit_callbacks
):
    office.country = "XX"
    closed = CalendarClosedDay(calendar=office, day=dt.date(2026, 11, 24))
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as refused:
        calendar_update(actor=None, calendar=office, closed_days=RowChanges(saved=[closed]))
    assert list(refused.value.field_errors) == ["country"]
    assert BusinessHoursCalendar.objects.get(pk=office.pk).country == "DK"
    assert not CalendarClosedDay.objects.exists()
    assert not AuditEntry.objects.exists()
    assert callbacks == []
