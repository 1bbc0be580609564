"""A change world: the desk's two customers (ACME and NORD, served by Carla; Otto serves NORD only), with a
landscape on ACME — Akeneo PIM → (product export) → Umbraco CMS → (publish) → CDN, all in production — a
staging component, NORD's own CMS, an approver contact and a standard change offered to ACME's tier."""

import copy
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from picocore.changes.choices import ChangeStatus, ChangeType, Decision, DecisionChannel
from picocore.changes.models import CabVote, Change, ChangeComponent, CustomerDecision, StandardChangeTemplate
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Component, Contact, Environment, Integration
from picocore.tenancy.models import User
from tests.desk.conftest import DeskWorld, build_world

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
# Tuesday 12 January 2027, 20:00–22:00 in Copenhagen: inside ACME's Tuesday window when it has one.
START = dt.datetime(2027, 1, 12, 20, 0, tzinfo=CPH)
END = dt.datetime(2027, 1, 12, 22, 0, tzinfo=CPH)
PLANS = {"implementation_plan": "Upgrade to 7.1.", "test_plan": "Import a product.", "backout_plan": "Restore."}


@dataclass
class ChangeWorld:
    desk: DeskWorld
    pim: Component
    cms: Component
    cdn: Component
    staging_pim: Component
    nord_cms: Component
    approver: Contact
    template: StandardChangeTemplate

    @property
    def consultant(self) -> User:
        return self.desk.consultant

    @property
    def manager(self) -> User:
        return self.desk.manager

    @property
    def outsider(self) -> User:
        return self.desk.outsider

    @property
    def acme(self):
        return self.desk.acme

    @property
    def nord(self):
        return self.desk.nord


def component(environment: Environment, name: str, kind: str = "application") -> Component:
    return Component.objects.create(environment=environment, name=name, kind=kind)


def build_change_world() -> ChangeWorld:
    desk = build_world()
    production = desk.acme.production
    pim, cms, cdn = (
        component(production, "Akeneo PIM"),
        component(production, "Umbraco CMS"),
        component(production, "CDN", "cdn"),
    )
    Integration.objects.create(source=pim, target=cms, name="Product export", protocol="REST")
    Integration.objects.create(source=cms, target=cdn, name="Publish", protocol="HTTPS")
    staging_pim = component(desk.acme.staging, "Akeneo PIM staging")
    nord_cms = component(desk.nord.production, "Nord CMS")
    approver = Contact.objects.create(
        organisation=desk.acme.organisation, role=ContactRole.APPROVER, name="Anna Approver",
        email="anna@acme.example", user=desk.acme.admin,
    )  # fmt: skip
    template = StandardChangeTemplate.objects.create(
        name="Restart the search index", implementation_plan="Restart Solr.", test_plan="Search for a product.",
        backout_plan="Nothing to back out.", duration_minutes=30, downtime_minutes=5,
    )  # fmt: skip
    template.tiers.add(desk.acme.organisation.contracts.get().tier)
    return ChangeWorld(desk, pim, cms, cdn, staging_pim, nord_cms, approver, template)


@pytest.fixture(scope="module")
def change_world_once(django_db_setup, django_db_blocker) -> Iterator[ChangeWorld]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_change_world()
        transaction.set_rollback(True)


@pytest.fixture
def cw(change_world_once, db) -> ChangeWorld:
    return copy.deepcopy(change_world_once)


def ready_change(
    cw: ChangeWorld, *, change_type: str = ChangeType.NORMAL, status: str = ChangeStatus.DRAFT,
    components: tuple[Component, ...] | None = None, start: dt.datetime = START, end: dt.datetime = END,
    implementer: User | None = None, approved: bool = True, title: str = "Upgrade the PIM",
) -> Change:  # fmt: skip
    """A change of ACME's with its plans, components and window, put straight into `status` (the lifecycle
    is tested through the service; this sets the stage), approved in its current round when `approved`."""
    from picocore.changes.services import change_create

    change = change_create(
        actor=cw.consultant, organisation_id=cw.acme.organisation.pk, change_type=change_type, title=title,
        reason="The vendor ends support.", template_id=cw.template.pk if change_type == ChangeType.STANDARD else None,
    )  # fmt: skip
    Change.objects.filter(pk=change.pk).update(
        **PLANS, planned_start=start, planned_end=end, status=status, implementer=implementer, approval_round=1
    )
    for item in components if components is not None else (cw.pim,):
        ChangeComponent.objects.create(organisation_id=change.organisation_id, change=change, component=item)
    if approved:
        approve(cw, change)
    change.refresh_from_db()
    return change


def approve(cw: ChangeWorld, change: Change) -> None:
    round_ = Change.objects.get(pk=change.pk).approval_round
    CustomerDecision.objects.create(
        organisation_id=change.organisation_id, change=change, contact=cw.approver, user=cw.acme.admin, round=round_,
        decision=Decision.APPROVED, channel=DecisionChannel.PORTAL,
    )  # fmt: skip
    CabVote.objects.create(change=change, voter=cw.manager, round=round_, decision=Decision.APPROVED)
