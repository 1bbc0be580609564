"""Configuration changes made through the admin land in the audit trail with before and after values."""

import pytest
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.audit.services import audit_record
from picocore.catalog.models import PriorityRule
from tests import factories

pytestmark = pytest.mark.django_db


def test_changing_an_organisation_records_before_and_after(client, root, acme):
    org = acme.organisation
    url = reverse("admin:tenancy_organisation_change", args=[org.pk])
    response = client.post(
        url,
        {
            "name": "Acme Foods A/S",
            "slug": org.slug,
            "time_zone": "Europe/Oslo",
            "key_prefix": org.key_prefix,
            "request_visibility": "own",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_repr) == (root, "changed", "Acme Foods A/S")
    assert entry.changes["name"] == {"before": "Acme Ltd", "after": "Acme Foods A/S"}
    assert entry.changes["time_zone"] == {"before": "Europe/Copenhagen", "after": "Europe/Oslo"}
    assert "updated_at" in entry.changes and "slug" not in entry.changes


def test_tier_catalogue_change_records_the_many_to_many(client, root, acme):
    tier = acme.organisation.contracts.get().tier
    extra = factories.RequestTypeFactory(name="Guidance")
    url = reverse("admin:contracts_tier_change", args=[tier.pk])
    response = client.post(
        url,
        {
            "name": tier.name,
            "slug": tier.slug,
            "rank": tier.rank,
            "description": "",
            "request_types": [acme.incident.pk, extra.pk],
            "reopen_window_days": 14,
            "auto_close_after_days": 5,
            "warn_at_percent": 75,
            "breaching_soon_hours": 8,
            "hours_per_month": "0",
            "hotline_coverage": "none",
            "rating_scale": 5,
            "sla_targets-TOTAL_FORMS": "0",
            "sla_targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.changes["request_types"] == {
        "before": [acme.incident.name],
        "after": sorted([acme.incident.name, "Guidance"]),
    }


def test_priority_matrix_edit_in_the_grid_is_recorded(client, root):
    data = {f"{rule.impact}__{rule.urgency}": rule.priority for rule in PriorityRule.objects.all()}
    data["low__high"] = 1
    response = client.post(reverse("admin:catalog_priorityrule_changelist"), data)
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.changes == {"priority": {"before": 3, "after": 1}}


def test_deleting_is_recorded_with_the_last_values(client, root, acme):
    solution = factories.SolutionFactory(organisation=acme.organisation, name="Old CMS")
    response = client.post(reverse("admin:cmdb_solution_delete", args=[solution.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_repr) == ("deleted", "Old CMS")
    assert entry.changes["name"] == {"before": "Old CMS", "after": None}


def test_passwords_never_enter_the_trail(client, root):
    user = factories.UserFactory()
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "a-new-long-password-42", "password2": "a-new-long-password-42", "usable_password": "true"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.object_repr, entry.changes) == (
        root,
        str(user),
        {"password": {"before": "(hidden)", "after": "(changed)"}},
    )


def test_the_trail_cannot_be_changed():
    entry = audit_record(actor=None, action="deleted", instance=PriorityRule(pk=1), changes={})
    assert entry is not None
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
