"""The demo customers have landscapes worth showing: Akeneo → export → Umbraco → CDN, an approver in the portal,
runbooks, end of life soon, and tickets on components."""

import pytest

from picocore.cmdb.impact import dependants
from picocore.cmdb.models import Component, Contact
from picocore.cmdb.selectors import portal_landscape
from picocore.demo.data import load_demo
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_landscapes():
    load_demo()
    acme = Organisation.objects.get(slug="acme-foods")
    akeneo = Component.objects.get(organisation=acme, name="Akeneo PIM")
    names = {c.pk: c.name for c in Component.objects.filter(organisation=acme)}
    reached = {names[r.component_id]: [hop.name for hop in r.path] for r in dependants([akeneo.pk], depth=4)}
    assert reached["Umbraco CMS"] == ["Product API", "Product export"]
    assert reached["CDN"] == ["Product API", "Product export", "Publish"]
    # The customer admin is one of Acme's approver contacts (beside the members with the approver role).
    approver = Contact.objects.get(organisation=acme, role="approver", user__email="admin@acme.example")
    assert approver.user == User.objects.get(email="admin@acme.example")
    assert akeneo.runbook_versions.count() == 2
    view = portal_landscape(actor=approver.user, organisation=acme)
    assert [c.name for c in view.end_of_life_soon] == ["PIM database"]
    assert Ticket.objects.filter(organisation=acme, component=akeneo).exists()
