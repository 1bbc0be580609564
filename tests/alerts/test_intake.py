"""The intake: Alertmanager, PagerDuty and generic payloads become incidents once, resolve them, fold flapping,
respect change windows, keep every payload, and refuse bad input with a clear reason."""

import datetime as dt
import json

import pytest

from picocore.alerts.choices import AlertState, Disposition, OnResolve, PayloadOutcome, SourceKind
from picocore.alerts.models import Alert, AlertIntegration, RawAlertPayload
from picocore.alerts.parsers import MAX_BODY_BYTES, PayloadTooLarge
from picocore.alerts.services import alert_dismiss, alert_map, alert_receive
from picocore.catalog.choices import Priority
from picocore.changes.models import Change, ChangeComponent
from picocore.core.errors import NotFound, ValidationError
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket, TicketEvent
from tests import factories

pytestmark = pytest.mark.django_db

LABELS = {"customer": "acme", "environment": "production", "component": "pim-api"}


def am_alert(name: str, status: str = "firing", fingerprint: str | None = None, **extra) -> dict:
    alert = {
        "status": status,
        "labels": {**LABELS, "alertname": name, **extra.pop("labels", {})},
        "annotations": {"summary": f"{name} on pim-api"},
        "startsAt": "2026-12-04T10:00:00.123456789Z",
        "endsAt": "2026-12-04T11:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": fingerprint or f"fp-{name}",
    }
    alert.update(extra)
    return alert


def alertmanager(*alerts: dict) -> bytes:
    return json.dumps({
        "version": "4", "groupKey": "{}:{alertname=\"x\"}", "truncatedAlerts": 0,
        "status": "resolved" if all(a["status"] == "resolved" for a in alerts) else "firing",
        "receiver": "picocore", "groupLabels": {}, "commonLabels": LABELS, "commonAnnotations": {},
        "externalURL": "http://alertmanager", "alerts": list(alerts),
    }).encode()  # fmt: skip


def receive(actor, body: bytes, slug: str = "acme-prometheus", content_type: str = "application/json"):
    return alert_receive(actor=actor, slug=slug, body=body, content_type=content_type, source="127.0.0.1")


def counts(**given: int) -> dict[str, int]:
    return {value: given.get(value, 0) for value in Disposition.values}


def test_two_firing_alerts_file_two_incidents_with_the_rules_mapping(consultant, integration, rule, acme, pim_api):
    result = receive(consultant, alertmanager(am_alert("HighLatency"), am_alert("ErrorRate")))

    assert result.counts == counts(created=2)
    incidents = list(Ticket.objects.order_by("pk").filter(alerts__isnull=False))
    assert [t.title for t in incidents] == ["HighLatency on pim-api", "ErrorRate on pim-api"]
    for ticket in incidents:
        assert (ticket.organisation, ticket.component, ticket.environment) == (acme.organisation, pim_api,
                                                                               acme.production)  # fmt: skip
        assert (ticket.impact, ticket.urgency, ticket.priority) == ("high", "high", Priority.P1)
        assert ticket.requester == acme.requester
        assert ticket.request_type == acme.incident
    payload = RawAlertPayload.objects.get()
    assert payload.outcome == PayloadOutcome.PROCESSED
    assert payload.summary == counts(created=2)


def test_the_identical_repost_files_nothing_and_counts_an_occurrence(consultant, integration, rule):
    body = alertmanager(am_alert("HighLatency"), am_alert("ErrorRate"))
    receive(consultant, body)
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()

    result = receive(consultant, body)

    assert result.counts == counts(updated=2)
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events)
    assert sorted(Alert.objects.values_list("occurrences", flat=True)) == [2, 2]
    assert RawAlertPayload.objects.count() == 2


def test_resolved_resolves_the_incidents(consultant, integration, rule):
    receive(consultant, alertmanager(am_alert("HighLatency"), am_alert("ErrorRate")))

    result = receive(consultant, alertmanager(am_alert("HighLatency", "resolved"), am_alert("ErrorRate", "resolved")))

    assert result.counts == counts(resolved=2)
    assert sorted(Ticket.objects.filter(alerts__isnull=False).values_list("status", flat=True)) == ["resolved"] * 2
    assert set(Alert.objects.values_list("state", flat=True)) == {AlertState.RESOLVED}


def test_on_resolve_note_only_keeps_the_incident_open_with_a_note(consultant, integration, rule):
    AlertIntegration.objects.filter(pk=integration.pk).update(on_resolve=OnResolve.NOTE)
    receive(consultant, alertmanager(am_alert("HighLatency")))
    receive(consultant, alertmanager(am_alert("HighLatency", "resolved")))

    ticket = Ticket.objects.get()
    assert ticket.status == Status.NEW
    assert ticket.events.filter(kind="internal_note", body__startswith="The alert cleared").count() == 1


def test_a_late_resolved_never_reopens_a_closed_incident(consultant, integration, rule):
    receive(consultant, alertmanager(am_alert("HighLatency")))
    Ticket.objects.update(status=Status.CLOSED)
    receive(consultant, alertmanager(am_alert("HighLatency", "resolved")))
    receive(consultant, alertmanager(am_alert("HighLatency", "resolved")))

    assert Ticket.objects.get().status == Status.CLOSED
    # A firing of the episode just resolved, delivered late, opens nothing either.
    assert receive(consultant, alertmanager(am_alert("HighLatency"))).counts == counts(ignored=1)
    assert Ticket.objects.count() == 1


def test_flapping_is_folded_into_one_open_incident(consultant, integration, rule):
    def flap(status: str, minute: int):
        stamp = f"2026-12-04T10:{minute:02d}:00Z"
        alert = am_alert(
            "Flaky", status, startsAt=stamp, endsAt=stamp if status == "resolved" else "0001-01-01T00:00:00Z"
        )
        return receive(consultant, alertmanager(alert))

    for minute in range(0, 10, 2):
        flap("firing", minute)
        flap("resolved", minute + 1)

    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Status.IN_PROGRESS  # reopened once before the flapping was seen, then kept open
    alert = Alert.objects.get()
    assert alert.flapping
    assert alert.occurrences == 5
    notes = list(ticket.events.filter(kind="internal_note").values_list("body", flat=True))
    assert len([n for n in notes if "flapping" in n]) == 1


def test_an_alert_in_an_approved_change_window_is_suppressed(consultant, integration, rule, acme, pim_api):
    from picocore.core.clock import now

    change = Change.objects.create(
        organisation=acme.organisation, number=1, change_type="normal", status="implementing", title="Upgrade",
        reason="x", planned_start=now() - dt.timedelta(hours=1), planned_end=now() + dt.timedelta(hours=1),
        requested_by=consultant,
    )  # fmt: skip
    ChangeComponent.objects.create(organisation=acme.organisation, change=change, component=pim_api)

    assert receive(consultant, alertmanager(am_alert("HighLatency"))).counts == counts(suppressed=1)
    alert = Alert.objects.get()
    assert (alert.suppressed_by, alert.incident, alert.organisation) == (change, None, acme.organisation)
    assert Ticket.objects.count() == 0
    # The window ends while it still fires: now it is an incident.
    Change.objects.filter(pk=change.pk).update(planned_end=now() - dt.timedelta(minutes=1))
    assert receive(consultant, alertmanager(am_alert("HighLatency"))).counts == counts(created=1)
    assert Alert.objects.get().suppressed_by is None


def test_unknown_labels_go_to_triage_with_the_payload_kept(consultant, integration, rule, acme, pim_api):
    body = alertmanager(am_alert("DiskFull", labels={"customer": "someone-else"}))
    result = receive(consultant, body)

    assert result.counts == counts(triaged=1)
    alert = Alert.objects.get()
    assert alert.in_triage and alert.triage_reason == "No mapping rule matches its labels."
    assert bytes(alert.payload.body) == body
    assert Ticket.objects.count() == 0

    assert alert_map(actor=consultant, alert_id=alert.pk, organisation_id=acme.organisation.pk,
                     component_id=pim_api.pk, impact="high", urgency="low") == Disposition.CREATED  # fmt: skip
    alert.refresh_from_db()
    assert alert.incident.component == pim_api and not alert.in_triage


def test_a_dismissed_alert_leaves_triage(consultant, integration, rule):
    receive(consultant, alertmanager(am_alert("DiskFull", labels={"customer": "x"})))
    alert = alert_dismiss(actor=consultant, alert_id=Alert.objects.get().pk)
    assert not alert.in_triage and alert.dismissed_by == consultant


def test_the_raw_payload_is_stored_even_when_it_cannot_be_parsed(consultant, integration):
    with pytest.raises(ValidationError) as refused:
        receive(consultant, b'{"version": "3", "alerts": []}')
    assert "version 4" in refused.value.message
    payload = RawAlertPayload.objects.get()
    assert (bytes(payload.body), payload.outcome) == (b'{"version": "3", "alerts": []}', PayloadOutcome.REJECTED)
    assert "version 4" in payload.error


def test_a_fingerprint_over_255_characters_is_refused(consultant, integration, rule):
    with pytest.raises(ValidationError) as refused:
        receive(consultant, alertmanager(am_alert("Long", fingerprint="f" * 256)))
    assert refused.value.message == "alerts[0]: “fingerprint” is 256 characters long; at most 255 are accepted."
    assert Alert.objects.count() == 0
    assert RawAlertPayload.objects.get().outcome == PayloadOutcome.REJECTED


def test_a_body_over_the_limit_is_kept_cut_and_refused(consultant, integration):
    body = b" " * (MAX_BODY_BYTES + 10)
    with pytest.raises(PayloadTooLarge):
        receive(consultant, body)
    payload = RawAlertPayload.objects.get()
    assert (len(bytes(payload.body)), payload.size, payload.truncated) == (MAX_BODY_BYTES, MAX_BODY_BYTES + 10, True)


def test_broken_charsets_and_nul_are_handled(consultant, integration, rule):
    with pytest.raises(ValidationError) as refused:
        receive(consultant, b'{"version": "4", "alerts": [], "x": "\xff"}')
    assert refused.value.message == "The body is not valid UTF-8: byte 0xff at position 37 cannot be read."
    assert bytes(RawAlertPayload.objects.get().body).endswith(b'"\xff"}')

    alert = am_alert("Nul\u0000Name", annotations={"summary": "bad \u0000 text \ud800 here"})
    receive(consultant, alertmanager(alert))
    stored = Alert.objects.get()
    assert stored.summary == "bad text \ufffd here"
    assert stored.labels["alertname"] == "NulName"
    # Latin-1 when the content type says so.
    latin = alertmanager(am_alert("Caf\u00e9")).decode().encode("latin-1")
    receive(consultant, latin, content_type="application/json; charset=ISO-8859-1")
    assert Alert.objects.filter(labels__alertname="Café").exists()


def test_nobody_else_may_post(integration, nord, acme, consultant):
    outsider = factories.StaffFactory(staff_role="consultant")
    for actor in (outsider, nord.admin, acme.requester):
        with pytest.raises(NotFound):
            receive(actor, alertmanager(am_alert("X")))
    with pytest.raises(NotFound):
        receive(consultant, alertmanager(am_alert("X")), slug="no-such")
    AlertIntegration.objects.update(active=False)
    with pytest.raises(NotFound):
        receive(consultant, alertmanager(am_alert("X")))
    assert RawAlertPayload.objects.count() == 0
    # ACME's customer admin posts for their own monitoring.
    AlertIntegration.objects.update(active=True)
    assert receive(acme.admin, alertmanager(am_alert("X"))).counts == counts(triaged=1)


@pytest.fixture
def pagerduty(integration, rule) -> AlertIntegration:
    AlertIntegration.objects.filter(pk=integration.pk).update(kind=SourceKind.PAGERDUTY)
    integration.rules.update(match={"source": "pim-api.acme"})
    return integration


def pd(action: str, dedup_key: str = "acme-pim-latency", **payload) -> bytes:
    event = {"routing_key": "R0UT1NGKEY", "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        event["payload"] = {"summary": "PIM API latency high", "source": "pim-api.acme", "severity": "critical",
                            "custom_details": {"p95_ms": 2300}, **payload}  # fmt: skip
    return json.dumps(event).encode()


def test_pagerduty_trigger_acknowledge_resolve(consultant, pagerduty, rule):
    assert receive(consultant, pd("trigger")).counts == counts(created=1)
    assert receive(consultant, pd("trigger")).counts == counts(updated=1)
    assert receive(consultant, pd("acknowledge")).counts == counts(acknowledged=1)
    alert = Alert.objects.get()
    assert (alert.state, alert.occurrences, alert.annotations["p95_ms"]) == (AlertState.ACKNOWLEDGED, 2, "2300")
    ticket = alert.incident
    assert ticket.events.filter(kind="internal_note", body__contains="acknowledged").count() == 1

    assert receive(consultant, pd("resolve")).counts == counts(resolved=1)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert receive(consultant, pd("resolve")).counts == counts(ignored=1)


def test_pagerduty_refuses_a_256_character_dedup_key_and_a_bad_event(consultant, pagerduty, rule):
    with pytest.raises(ValidationError) as refused:
        receive(consultant, pd("trigger", dedup_key="k" * 256))
    assert refused.value.message == "“dedup_key” is 256 characters long; at most 255 are accepted."
    with pytest.raises(ValidationError, match="event_action"):
        receive(consultant, pd("snooze"))
    with pytest.raises(ValidationError, match="severity"):
        receive(consultant, pd("trigger", severity="fatal"))
    assert Alert.objects.count() == 0
    assert list(RawAlertPayload.objects.values_list("outcome", flat=True)) == [PayloadOutcome.REJECTED] * 3


def test_the_generic_shape(consultant, integration, rule):
    AlertIntegration.objects.filter(pk=integration.pk).update(kind=SourceKind.GENERIC)
    body = json.dumps([{"labels": LABELS, "summary": "PIM down"}, {"fingerprint": "other", "labels": {"a": "b"}}])
    assert receive(consultant, body.encode()).counts == counts(created=1, triaged=1)
    resolved = json.dumps({"alerts": [{"labels": LABELS, "status": "resolved"}]})
    assert receive(consultant, resolved.encode()).counts == counts(resolved=1)
    with pytest.raises(ValidationError, match="status"):
        receive(consultant, b'{"fingerprint": "x", "status": "exploded"}')
