"""The admin screens service managers configure with: SLA targets in hours and minutes, the priority matrix as a
grid, and the audit trail as a before/after table."""

import html
import re

import pytest
from django.urls import reverse

from picocore.audit.admin import changes_table
from picocore.audit.models import AuditEntry
from picocore.catalog.models import PriorityRule
from picocore.catalog.priority import priority_for
from picocore.contracts.models import ClockKind, SlaMetric, SlaTarget
from picocore.core.forms import HoursMinutesField
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation
from tests import factories

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# Hours and minutes.


@pytest.mark.parametrize(
    ("hours", "minutes", "stored"),
    [("2", "30", 150), ("0", "45", 45), ("8", "", 480), ("", "5", 5), ("100", "0", 6000), ("", "", None)],
)
def test_hours_and_minutes_clean_to_minutes(hours, minutes, stored):
    field = HoursMinutesField(required=False)
    assert field.clean([hours, minutes]) == stored


@pytest.mark.parametrize(
    ("hours", "minutes", "error"),
    [
        ("0", "0", "Enter at least 1 minute(s)."),
        ("1", "60", "Ensure this value is less than or equal to 59."),
        ("-1", "0", "Ensure this value is greater than or equal to 0."),
        ("1.5", "0", "Enter a whole number."),
        ("2\x00", "0", "Enter a whole number."),  # a NUL is not a digit
    ],
)
def test_hours_and_minutes_refuse_what_is_not_a_length(hours, minutes, error):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        HoursMinutesField().clean([hours, minutes])
    assert error in refused.value.messages


def test_a_required_target_must_be_given():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        HoursMinutesField().clean(["", ""])
    assert refused.value.messages == ["This field is required."]


def test_the_widget_shows_stored_minutes_as_hours_and_minutes():
    widget = HoursMinutesField().widget
    assert widget.decompress(150) == [2, 30]
    assert widget.decompress(45) == [0, 45]
    assert widget.decompress(None) == [None, None]


def tier_data(tier, targets: list[SlaTarget], **override_minutes) -> dict:
    data = {
        "name": tier.name, "slug": tier.slug, "rank": tier.rank, "description": "",
        "request_types": [t.pk for t in tier.request_types.all()], "reopen_window_days": tier.reopen_window_days,
        "auto_close_after_days": tier.auto_close_after_days, "warn_at_percent": tier.warn_at_percent,
        "hours_per_month": str(tier.hours_per_month), "hotline_coverage": tier.hotline_coverage,
        "rating_scale": tier.rating_scale,
        "breaching_soon_hours": tier.breaching_soon_hours,
        "sla_targets-TOTAL_FORMS": str(len(targets)), "sla_targets-INITIAL_FORMS": str(len(targets)),
    }  # fmt: skip
    for index, target in enumerate(targets):
        hours, minutes = override_minutes.get(str(index), divmod(target.minutes, 60))
        data.update({
            f"sla_targets-{index}-id": target.pk, f"sla_targets-{index}-tier": tier.pk,
            f"sla_targets-{index}-priority": target.priority, f"sla_targets-{index}-metric": target.metric,
            f"sla_targets-{index}-minutes_hours": hours, f"sla_targets-{index}-minutes_minutes": minutes,
            f"sla_targets-{index}-clock": target.clock,
        })  # fmt: skip
    return data


@pytest.fixture
def tier_with_target(acme):
    tier = acme.organisation.contracts.get().tier
    target = SlaTarget.objects.create(tier=tier, priority=2, metric=SlaMetric.FIRST_RESPONSE, minutes=150,
                                      clock=ClockKind.BUSINESS)  # fmt: skip
    return tier, target


def test_sla_targets_round_trip_in_hours_and_minutes(client, root, tier_with_target):
    tier, target = tier_with_target
    url = reverse("admin:contracts_tier_change", args=[tier.pk])
    page = client.get(url).content.decode()
    hours = re.search(r'<input type="number" name="sla_targets-0-minutes_hours"[^>]*>', page)
    minutes = re.search(r'<input type="number" name="sla_targets-0-minutes_minutes"[^>]*>', page)
    assert hours is not None and 'value="2"' in hours.group(0) and 'aria-label="hours"' in hours.group(0)
    assert minutes is not None and 'value="30"' in minutes.group(0) and 'max="59"' in minutes.group(0)
    assert 'name="sla_targets-0-minutes"' not in page  # no box of raw minutes

    response = client.post(url, tier_data(tier, [target], **{"0": (1, 45)}))
    assert response.status_code == 302, text(response)[:2000]
    target.refresh_from_db()
    assert target.minutes == 105
    entry = AuditEntry.objects.get(content_type__model="slatarget")
    assert entry.changes == {"minutes": {"before": 150, "after": 105}}
    again = client.get(url).content.decode()
    assert re.search(r'name="sla_targets-0-minutes_hours" value="1"', again)
    assert re.search(r'name="sla_targets-0-minutes_minutes" value="45"', again)


@pytest.mark.parametrize(
    ("entered", "error"),
    [((1, 60), "Ensure this value is less than or equal to 59."), ((0, 0), "Enter at least 1 minute(s).")],
)
def test_a_target_that_is_not_a_length_is_refused_and_nothing_changes(client, root, tier_with_target, entered, error):
    tier, target = tier_with_target
    response = client.post(reverse("admin:contracts_tier_change", args=[tier.pk]),
                           tier_data(tier, [target], **{"0": entered}))  # fmt: skip
    assert response.status_code == 200
    assert error in text(response)
    target.refresh_from_db()
    assert target.minutes == 150
    assert not AuditEntry.objects.exists()


def test_a_contract_override_is_entered_in_hours_and_minutes(client, root, acme):
    contract = acme.organisation.contracts.get()
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    data = {
        "organisation": contract.organisation_id, "tier": contract.tier_id, "starts_on": str(contract.starts_on),
        "ends_on": "", "hotline_number": "", "calendar": "",
        "sla_targets-TOTAL_FORMS": "1", "sla_targets-INITIAL_FORMS": "0", "sla_targets-0-contract": contract.pk,
        "sla_targets-0-priority": 1, "sla_targets-0-metric": SlaMetric.RESOLUTION,
        "sla_targets-0-minutes_hours": "4", "sla_targets-0-minutes_minutes": "15",
        "sla_targets-0-clock": ClockKind.CALENDAR,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, text(response)[:2000]
    assert SlaTarget.objects.get(contract=contract).minutes == 255


# The priority matrix as a grid.


def grid_selects(page: str) -> dict[str, str]:
    """Each cell's select name → its selected option's label."""
    cells = {}
    for name, options in re.findall(r'<select name="(\w+__\w+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="\d" selected>(P\d)</option>', options)
        cells[name] = selected.group(1) if selected else ""
    return cells


def test_the_priority_matrix_is_shown_as_a_grid(client, root):
    response = client.get(reverse("admin:catalog_priorityrule_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", page, re.S)
    assert header is not None
    assert re.findall(r'<th scope="col">([^<]+)</th>', header.group(1))[1:] == ["High", "Medium", "Low"]
    assert re.findall(r'<th scope="row">([^<]+)</th>', page) == ["High", "Medium", "Low"]
    assert grid_selects(page) == {
        "high__high": "P1", "high__medium": "P2", "high__low": "P3",
        "medium__high": "P2", "medium__medium": "P3", "medium__low": "P4",
        "low__high": "P3", "low__medium": "P4", "low__low": "P5",
    }  # fmt: skip
    # Each select is named for a screen reader by its row and column.
    assert '<label class="visually-hidden" for="id_low__high">Low impact, High urgency</label>' in page


def test_the_priority_grid_round_trip(client, root):
    url = reverse("admin:catalog_priorityrule_changelist")
    data = {f"{rule.impact}__{rule.urgency}": rule.priority for rule in PriorityRule.objects.all()}
    data.update({"medium__medium": 2, "low__low": 4})
    response = client.post(url, data)
    assert response.status_code == 302
    assert priority_for("medium", "medium").priority == 2 and priority_for("low", "low").priority == 4
    entries = sorted(e.object_repr for e in AuditEntry.objects.all())
    assert entries == ["Low × Low → P4", "Medium × Medium → P2"]
    after = client.get(url)
    assert grid_selects(after.content.decode())["medium__medium"] == "P2"
    assert "2 cells changed." in text(after)


def test_an_impossible_priority_is_refused_and_nothing_changes(client, root):
    url = reverse("admin:catalog_priorityrule_changelist")
    data = {f"{rule.impact}__{rule.urgency}": rule.priority for rule in PriorityRule.objects.all()}
    data["high__high"] = 9
    before = list(PriorityRule.objects.order_by("pk").values_list("priority", flat=True))
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Choose a priority from P1 to P5 for every impact and urgency." in text(response)
    assert list(PriorityRule.objects.order_by("pk").values_list("priority", flat=True)) == before
    assert not AuditEntry.objects.exists()


def test_a_missing_cell_is_created_from_the_grid(client, root):
    PriorityRule.objects.filter(impact="low", urgency="low").delete()
    data = {f"{impact}__{urgency}": 5 for impact in ("high", "medium", "low") for urgency in ("high", "medium", "low")}
    assert client.post(reverse("admin:catalog_priorityrule_changelist"), data).status_code == 302
    assert PriorityRule.objects.get(impact="low", urgency="low").priority == 5
    assert PriorityRule.objects.count() == 9


def test_staff_without_the_change_permission_only_see_the_grid(client, db):
    from django.contrib.auth.models import Permission

    viewer = factories.UserFactory(staff_role=StaffRole.SERVICE_MANAGER, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_priorityrule"))
    client.force_login(viewer)
    url = reverse("admin:catalog_priorityrule_changelist")
    page = client.get(url).content.decode()
    assert "<select" not in page and "P1" in page
    before = list(PriorityRule.objects.order_by("pk").values_list("priority", flat=True))
    data = {f"{impact}__{urgency}": 1 for impact in ("high", "medium", "low") for urgency in ("high", "medium", "low")}
    client.post(url, data)
    assert list(PriorityRule.objects.order_by("pk").values_list("priority", flat=True)) == before


# The audit trail as a before/after table.


def test_an_audit_entry_reads_as_a_before_after_table(client, root, acme):
    org = acme.organisation
    response = client.post(reverse("admin:tenancy_organisation_change", args=[org.pk]), {
        "name": "Acme <b>Foods</b>", "slug": org.slug, "time_zone": "Europe/Oslo", "key_prefix": org.key_prefix,
        "request_visibility": "own", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    page = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    table = re.search(r'<table class="audit-changes">(.*?)</table>', page, re.S)
    assert table is not None
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', table.group(1))
    assert ("Name", "Acme Ltd", "Acme &lt;b&gt;Foods&lt;/b&gt;") in rows
    assert ("Time zone", "Europe/Copenhagen", "Europe/Oslo") in rows
    assert "{&quot;" not in page and '{"' not in table.group(0)  # no raw JSON
    listing = text(client.get(reverse("admin:audit_auditentry_changelist")))
    assert "name, time_zone, updated_at" in listing


def test_the_table_names_choices_by_label_and_empty_values_plainly():
    rendered = changes_table(
        {"priority": {"before": 3, "after": 1}, "impact": {"before": None, "after": "high"},
         "active": {"before": True, "after": False}, "tags": {"before": [], "after": ["a", "b"]}},
        PriorityRule,
    )  # fmt: skip
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td></tr>', rendered)
    assert rows == [
        ("Priority", "P3", "P1"),
        ("Impact", "—", "High"),
        ("Active", "Yes", "No"),
        ("Tags", "—", "a, b"),
    ]
    assert changes_table({}, Organisation) == "<p>No field values changed.</p>"
