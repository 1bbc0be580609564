from picocore.alerts.choices import AlertState
from picocore.alerts.models import Alert
from picocore.alerts.selectors import firing_alerts


def test_firing_alerts_are_the_open_unsuppressed_alerts_on_a_component(acme, nord, integration, pim_api, db):
    firing = Alert.objects.create(integration=integration, fingerprint="a", organisation=acme.organisation,
                                  component=pim_api, state=AlertState.FIRING)  # fmt: skip
    acknowledged = Alert.objects.create(integration=integration, fingerprint="b", organisation=acme.organisation,
                                        component=pim_api, state=AlertState.ACKNOWLEDGED)  # fmt: skip
    Alert.objects.create(integration=integration, fingerprint="c", organisation=acme.organisation,
                         component=pim_api, state=AlertState.RESOLVED)  # fmt: skip
    Alert.objects.create(integration=integration, fingerprint="d", organisation=acme.organisation, component=None)
    Alert.objects.create(integration=integration, fingerprint="e", organisation=nord.organisation, component=None)

    assert set(firing_alerts(organisation_id=acme.organisation.pk)) == {firing, acknowledged}
    assert list(firing_alerts(organisation_id=nord.organisation.pk)) == []
