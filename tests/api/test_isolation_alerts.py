"""The alert intake over HTTP: a token with `alerts:ingest` posts Alertmanager's webhook; the raw body reaches
the service untouched, repeats are counted, bad payloads are kept and refused in the envelope, and nobody of
another organisation can post to (or learn of) the integration."""

import json

import pytest

from picocore.alerts.models import Alert, RawAlertPayload
from picocore.tickets.models import Ticket
from tests.alerts.conftest import integration, pim_api, rule  # noqa: F401 (fixtures)
from tests.api.conftest import Api, error_of

pytestmark = pytest.mark.django_db

COVERED_ROUTES = {"api:v1:alert-intake"}
URL = "/api/v1/alerts/acme-prometheus/"


def webhook(*fingerprints: str, status: str = "firing") -> dict:
    labels = {"customer": "acme", "environment": "production", "component": "pim-api", "severity": "critical"}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="PimDown"}',
        "status": status,
        "receiver": "picocore",
        "groupLabels": {},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": status,
                "labels": {**labels, "alertname": f"PimDown{fp}"},
                "annotations": {"summary": f"PIM API down ({fp})"},
                "startsAt": "2026-12-04T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-04T10:30:00Z",
                "generatorURL": "http://prometheus.local/graph",
                "fingerprint": fp,
            }
            for fp in fingerprints
        ],
    }


def test_the_intake_files_once_and_counts_repeats(acme, rule):  # noqa: F811
    api = Api(acme.admin, {"alerts:ingest"})
    first = api.post(URL, webhook("a1", "b2"))
    assert first.status_code == 202, first.content
    assert first.json()["counts"]["created"] == 2 and Ticket.objects.count() == 2
    again = api.post(URL, webhook("a1", "b2"))
    assert again.json()["counts"]["updated"] == 2 and Ticket.objects.count() == 2
    assert sorted(Alert.objects.values_list("occurrences", flat=True)) == [2, 2]
    assert RawAlertPayload.objects.count() == 2
    resolved = api.post(URL, webhook("a1", "b2", status="resolved"))
    assert resolved.json()["counts"]["resolved"] == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}


def test_a_bad_payload_is_kept_and_refused_in_the_envelope(acme, rule):  # noqa: F811
    api = Api(acme.admin, {"alerts:ingest"})
    too_long = api.post(URL, webhook("x" * 256))
    assert too_long.status_code == 400 and error_of(too_long)["code"] == "invalid"
    broken = api.client.post(URL, b"\xff\xfe{not json", content_type="application/json", headers=api._headers(None))
    assert broken.status_code == 400
    assert RawAlertPayload.objects.filter(outcome="rejected").count() == 2 and not Ticket.objects.exists()
    huge = api.client.post(
        URL, json.dumps({"pad": "x" * (1024 * 1024 + 10)}), content_type="application/json", headers=api._headers(None)
    )
    assert huge.status_code == 413 and error_of(huge)["code"] == "payload_too_large"
    assert RawAlertPayload.objects.filter(truncated=True).count() == 1


def test_scope_and_isolation(acme, nord, rule):  # noqa: F811
    without_scope = Api(acme.admin, {"tickets:write"}).post(URL, webhook("a1"))
    assert without_scope.status_code == 403 and "alerts:ingest" in error_of(without_scope)["message"]
    for outsider in (nord.admin, nord.requester, acme.requester):
        response = Api(outsider, {"alerts:ingest"}).post(URL, webhook("a1"))
        assert response.status_code == 404 and b"ACME" not in response.content, outsider
    assert Api(acme.admin, {"alerts:ingest"}).post("/api/v1/alerts/no-such/", webhook("a1")).status_code == 404
    assert not RawAlertPayload.objects.exists() and not Ticket.objects.exists()
