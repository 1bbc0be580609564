"""The monitoring world: ACME's production PIM API, an integration receiving ACME's Alertmanager, a rule mapping
its labels, and the consultant serving ACME as the integration's service account."""

import pytest

from picocore.alerts.choices import SourceKind
from picocore.alerts.models import AlertIntegration, MappingRule
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component


@pytest.fixture
def pim_api(acme) -> Component:
    return Component.objects.create(environment=acme.production, name="pim-api", kind="application")


@pytest.fixture
def integration(acme, consultant) -> AlertIntegration:
    return AlertIntegration.objects.create(
        name="ACME Prometheus",
        slug="acme-prometheus",
        organisation=acme.organisation,
        kind=SourceKind.ALERTMANAGER,
        service_account=consultant,
        requester=acme.requester,
        flap_changes=4,
        flap_minutes=30,
    )


@pytest.fixture
def rule(integration, acme, pim_api) -> MappingRule:
    return MappingRule.objects.create(
        integration=integration,
        position=1,
        match={"customer": "acme", "environment": "production", "component": "pim-api"},
        environment=acme.production,
        component=pim_api,
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )
