"""ACME's landscape with two components, a consultant serving ACME, and helpers for status incidents."""

import pytest

from picocore.cmdb.models import Component


@pytest.fixture
def pim_api(acme) -> Component:
    return Component.objects.create(environment=acme.production, name="pim-api", kind="application")


@pytest.fixture
def pim_db(acme) -> Component:
    return Component.objects.create(environment=acme.production, name="pim-db", kind="database")
