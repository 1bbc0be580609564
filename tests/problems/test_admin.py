"""The detector's settings are edited in the admin (one row); problems and proposals are read-only there."""

import pytest
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.problems.models import DetectorSettings

pytestmark = pytest.mark.django_db


def test_the_settings_are_one_row_edited_in_the_admin(client, root):
    assert DetectorSettings.current().min_incidents == 5 and DetectorSettings.current().window_days == 14
    add = reverse("admin:problems_detectorsettings_add")
    data = {"min_incidents": "3", "window_days": "7", "title_similarity": "60", "active": "on"}
    assert client.post(add, data).status_code == 302
    settings = DetectorSettings.current()
    assert (settings.pk, settings.min_incidents, settings.window_days, settings.title_similarity) == (1, 3, 7, 60)
    assert AuditEntry.objects.filter(object_repr="Recurring-incident detection").count() == 1
    assert client.get(add).status_code == 403  # one row only: it is changed, not added again


@pytest.mark.parametrize("model", ["problem", "proposal"])
def test_problems_and_proposals_are_read_only(client, root, model):
    assert client.get(reverse(f"admin:problems_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:problems_{model}_add")).status_code == 403
