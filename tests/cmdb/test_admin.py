"""The landscape's administration screens: each list and change form opens; runbook versions are read-only."""

import pytest
from django.urls import reverse

from picocore.cmdb.models import Contact, RunbookVersion
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_landscape_screen_opens(client, world, chain):
    root = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(root)
    contact = Contact.objects.create(organisation=world.acme.organisation, role="approver", name="Ann")
    version = RunbookVersion.objects.create(component=chain.pim, number=1, text="Restart.")
    screens = {"environment": world.acme.production.pk, "component": chain.pim.pk, "integration": chain.export.pk,
               "contact": contact.pk, "runbookversion": version.pk}  # fmt: skip
    for model, pk in screens.items():
        assert client.get(reverse(f"admin:cmdb_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:cmdb_{model}_change", args=[pk])).status_code == 200, model
    assert client.get(reverse("admin:cmdb_runbookversion_add")).status_code == 403
    assert (
        client.post(reverse("admin:cmdb_runbookversion_delete", args=[version.pk]), {"post": "yes"}).status_code == 403
    )
    assert RunbookVersion.objects.filter(pk=version.pk).exists()
