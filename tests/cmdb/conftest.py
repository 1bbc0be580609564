"""Landscapes for the CMDB's tests: ACME's PIM → CMS → CDN chain, built on the desk world."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from picocore.cmdb.choices import ComponentKind, IntegrationDirection
from picocore.cmdb.models import Component, Environment, Integration
from tests.desk.conftest import DeskWorld, build_world


@dataclass
class Chain:
    """ACME production: pim → (product export) → cms → (publish) → cdn; db ↔ pim (two-way); job → pim."""

    pim: Component
    cms: Component
    cdn: Component
    db: Component
    job: Component
    export: Integration
    publish: Integration
    nord_app: Component


def component(environment: Environment, name: str, kind: str = ComponentKind.APPLICATION, **fields) -> Component:
    return Component.objects.create(environment=environment, name=name, kind=kind, **fields)


def link(source: Component, target: Component, name: str, **fields) -> Integration:
    return Integration.objects.create(source=source, target=target, name=name, **fields)


def build_chain(world: DeskWorld) -> Chain:
    production = world.acme.production
    pim = component(production, "Akeneo PIM", product="Akeneo", version="7.0")
    cms = component(production, "Umbraco CMS", product="Umbraco", version="13")
    cdn = component(production, "CDN", ComponentKind.CDN)
    db = component(production, "PIM database", ComponentKind.DATABASE, product="MySQL", version="8.0")
    job = component(production, "Nightly import", ComponentKind.SCHEDULED_JOB)
    export = link(pim, cms, "Product export", protocol="REST", schedule="every 15 minutes")
    publish = link(cms, cdn, "Publish", protocol="HTTPS")
    link(db, pim, "Storage", protocol="SQL", direction=IntegrationDirection.TWO_WAY)
    link(job, pim, "Import", protocol="SFTP")
    nord_app = component(world.nord.production, "Nord shop")
    return Chain(pim, cms, cdn, db, job, export, publish, nord_app)


@pytest.fixture
def chain(world) -> Chain:
    return build_chain(world)


@pytest.fixture(scope="module")
def desk_world(django_db_setup, django_db_blocker) -> Iterator[DeskWorld]:
    """The desk's world (tests/desk/conftest.py), built once per module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(desk_world, db) -> DeskWorld:
    return copy.deepcopy(desk_world)
