"""Changing a landscape: who may, what is refused (with a message, nothing written), the audit trail."""

import datetime as dt

import pytest

from picocore.audit.models import AuditEntry
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Component, Contact, Integration, RunbookVersion
from picocore.cmdb.services import (
    ComponentData,
    ContactData,
    IntegrationData,
    component_create,
    component_delete,
    component_update,
    contact_create,
    integration_create,
    runbook_revise,
)
from picocore.core.errors import NotFound, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def rows() -> tuple:
    return (
        list(Component.objects.order_by("pk").values()),
        list(Integration.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        RunbookVersion.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_consultant_creates_updates_and_deletes_a_component(world):
    data = ComponentData(name="  Solr\x00 ", kind="search_index", product="Solr", version="9.4",
                         end_of_life=dt.date(2027, 3, 1), url="https://search.acme.test/")  # fmt: skip
    created = component_create(actor=world.consultant, environment_id=world.acme.production.pk, data=data)
    assert (created.name, created.organisation_id, created.environment_id) == (
        "Solr",
        world.acme.organisation.pk,
        world.acme.production.pk,
    )
    updated = component_update(
        actor=world.consultant,
        component_id=created.pk,
        data=ComponentData(name="Solr", kind="search_index", version="9.5"),
        environment_id=world.acme.staging.pk,
    )
    assert (updated.version, updated.environment_id, updated.product) == ("9.5", world.acme.staging.pk, "")
    entry = AuditEntry.objects.filter(object_id=str(created.pk), action="changed").get()
    assert entry.changes["version"] == {"before": "9.4", "after": "9.5"}
    component_delete(actor=world.consultant, component_id=created.pk)
    assert not Component.objects.filter(pk=created.pk).exists()
    assert list(
        AuditEntry.objects.filter(object_id=str(created.pk)).values_list("action", flat=True).order_by("pk")
    ) == [
        "created",
        "changed",
        "deleted",
    ]


@pytest.mark.parametrize("who", ["outsider", "acme_developer", "developer"])
def test_staff_not_serving_acme_or_developers_get_not_found(world, who, chain):
    before = rows()
    data = ComponentData(name="Solr")
    actor = getattr(world, who)
    with pytest.raises(NotFound):
        component_create(actor=actor, environment_id=world.acme.production.pk, data=data)
    with pytest.raises(NotFound):
        component_update(actor=actor, component_id=chain.pim.pk, data=data)
    with pytest.raises(NotFound):
        component_delete(actor=actor, component_id=chain.pim.pk)
    with pytest.raises(NotFound):
        runbook_revise(actor=actor, component_id=chain.pim.pk, text="Restart it.")
    assert rows() == before


def test_customers_see_but_may_not_change(world, chain):
    before = rows()
    with pytest.raises(PermissionDenied):
        component_update(actor=world.acme.admin, component_id=chain.pim.pk, data=ComponentData(name="X"))
    with pytest.raises(NotFound):  # another organisation's customer
        component_update(actor=world.nord.admin, component_id=chain.pim.pk, data=ComponentData(name="X"))
    assert rows() == before


def test_bad_component_input_is_named_and_nothing_changes(world, chain):
    before = rows()
    bad = ComponentData(name="", kind="toaster", url="not a url", version="v" * 61, notes="n" * 10_001)
    with pytest.raises(ValidationError) as raised:
        component_update(actor=world.consultant, component_id=chain.pim.pk, data=bad)
    assert set(raised.value.field_errors) == {"name", "kind", "url", "version", "notes"}
    assert raised.value.field_errors["version"] == ["Keep it under 60 characters."]
    with pytest.raises(ValidationError) as raised:
        component_update(actor=world.consultant, component_id=chain.pim.pk, data=ComponentData(name="Umbraco CMS"))
    assert raised.value.field_errors == {"name": ["This environment already has a component called Umbraco CMS."]}
    with pytest.raises(ValidationError) as raised:
        component_update(actor=world.consultant, component_id=chain.pim.pk, data=ComponentData(name="PIM"),
                         environment_id=world.nord.production.pk)  # fmt: skip
    assert raised.value.field_errors == {"environment": ["Choose an environment of this customer."]}
    assert rows() == before


def test_integrations_never_cross_organisations_nor_link_to_themselves(world, chain):
    before = rows()
    acme = world.acme.organisation.pk

    def refused(actor, source, target) -> dict:
        data = IntegrationData(name="Feed", source_id=source, target_id=target)
        with pytest.raises(ValidationError) as raised:
            integration_create(actor=actor, organisation_id=acme, data=data)
        return raised.value.field_errors

    # The manager serves both: Nord's component is named as the other customer's.
    assert refused(world.manager, chain.pim.pk, chain.nord_app.pk) == {
        "target": ["An integration links two components of the same customer."]
    }
    assert refused(world.consultant, chain.pim.pk, chain.pim.pk) == {
        "target": ["An integration links two different components."]
    }
    assert refused(world.consultant, chain.pim.pk, 999_999) == {
        "target": ["There is no such component, or it is not yours to see."]
    }
    feed = IntegrationData(name="Feed", source_id=chain.pim.pk, target_id=chain.cdn.pk)
    with pytest.raises(NotFound):
        integration_create(actor=world.outsider, organisation_id=acme, data=feed)
    assert rows() == before
    made = integration_create(actor=world.consultant, organisation_id=acme,
                              data=IntegrationData(name="Feed\x00", source_id=chain.pim.pk, target_id=chain.cdn.pk,
                                                   protocol="REST"))  # fmt: skip
    assert (made.name, made.organisation_id, made.protocol) == ("Feed", acme, "REST")


def test_a_contact_linked_to_a_person_of_the_customer(world):
    contact = contact_create(
        actor=world.consultant,
        organisation_id=world.acme.organisation.pk,
        data=ContactData(
            role=ContactRole.APPROVER, name="Ann Admin", email="ann@acme.test", user_id=world.acme.admin.pk
        ),
    )
    assert (contact.user_id, contact.organisation_id) == (world.acme.admin.pk, world.acme.organisation.pk)
    before = rows()
    with pytest.raises(ValidationError) as raised:
        contact_create(actor=world.consultant, organisation_id=world.acme.organisation.pk,
                       data=ContactData(role="boss", name="N" * 151, email="nope", user_id=world.nord.admin.pk,
                                        solution_id=world.nord.solution.pk))  # fmt: skip
    assert set(raised.value.field_errors) == {"role", "name", "email", "user", "solution"}
    assert rows() == before


def test_runbook_versions_are_numbered_and_kept(world, chain):
    first = runbook_revise(actor=world.consultant, component_id=chain.pim.pk, text="Restart the PIM.")
    again = runbook_revise(actor=world.consultant, component_id=chain.pim.pk, text="Restart the PIM.\n")
    second = runbook_revise(actor=world.manager, component_id=chain.pim.pk, text="Restart, then reindex.")
    assert (first.number, again.pk, second.number) == (1, first.pk, 2)
    assert list(chain.pim.runbook_versions.values_list("number", "text")) == [
        (2, "Restart, then reindex."),
        (1, "Restart the PIM."),
    ]
    with pytest.raises(ValidationError) as raised:
        runbook_revise(actor=world.consultant, component_id=chain.pim.pk, text=" \x00 ")
    assert raised.value.field_errors == {"text": ["Write the runbook: what to check and do when this component fails."]}
    assert chain.pim.runbook_versions.count() == 2
