"""Legal holds: set and lifted by service managers and administrators serving the organisation, with a reason
(NUL characters and overlong text refused), audited, one in force per organisation and per request."""

import pytest
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.privacy.models import LegalHold
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.conftest import prove_recently
from tests.privacy.conftest import People

pytestmark = pytest.mark.django_db


def test_a_service_manager_sets_and_lifts_a_hold(client, people: People):
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    client.force_login(manager)
    prove_recently(client)
    url = reverse("privacy:desk_hold_set")
    data = {
        "organisation": people.acme.organisation.pk,
        "ticket": people.pia_ticket.key.lower(),
        "reason": "Court case",
    }
    client.post(url, data)
    client.post(url, data)  # a double submit: refused with a message, nothing more
    hold = LegalHold.objects.get()
    assert (hold.ticket, hold.reason, hold.set_by, hold.lifted_at) == (people.pia_ticket, "Court case", manager, None)
    page = client.get(reverse("privacy:desk_index"))
    assert "Court case" in page.text and people.pia_ticket.key in page.text
    assert "every request of an organisation on hold, is skipped until the hold is lifted" in page.text
    assert "the retention skips ACME-1 until it is lifted" in page.text
    client.post(reverse("privacy:desk_hold_lift", args=[hold.pk]))
    hold.refresh_from_db()
    assert hold.lifted_by == manager and hold.lifted_at is not None
    assert AuditEntry.objects.filter(object_repr=f"Legal hold {hold.pk}").count() == 2


BAD_REASONS = [("Court\x00case", "Remove the NUL character"), ("x" * 501, "Keep it under 500 characters."),
               ("", "Fill in")]  # fmt: skip


@pytest.mark.parametrize(("reason", "message"), BAD_REASONS)
def test_a_bad_reason_is_refused_and_changes_nothing(client, root, people: People, reason, message):
    response = client.post(reverse("privacy:desk_hold_set"),
                           {"organisation": people.acme.organisation.pk, "reason": reason}, follow=True)  # fmt: skip
    assert message in response.text
    assert not LegalHold.objects.exists()


def test_consultants_and_customers_get_404(client, people: People):
    hold = LegalHold.objects.create(organisation=people.acme.organisation, reason="Audit", set_by=people.consultant)
    for person in (people.consultant, people.acme.admin):
        client.force_login(person)
        prove_recently(client)
        assert client.post(reverse("privacy:desk_hold_set"),
                           {"organisation": people.acme.organisation.pk, "reason": "x"}).status_code == 404  # fmt: skip
        assert client.post(reverse("privacy:desk_hold_lift", args=[hold.pk])).status_code == 404
    hold.refresh_from_db()
    assert hold.lifted_at is None and LegalHold.objects.count() == 1
