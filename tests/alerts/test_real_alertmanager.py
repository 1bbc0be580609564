"""The real check: Debian's Prometheus Alertmanager, started on loopback, is fed an alert through its own API and
delivers its webhook (version 4, Bearer token with `alerts:ingest`) to PicoCore's intake on a live server: the
alert becomes one incident, and when Alertmanager reports it resolved, the incident is resolved."""

import datetime as dt
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from picocore.alerts.models import Alert, AlertIntegration, MappingRule
from picocore.api.tokens import api_token_create
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component
from picocore.tickets.models import Ticket

BINARY = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

pytestmark = [
    pytest.mark.skipif(not Path(BINARY).exists(), reason="Debian's prometheus-alertmanager is not installed"),
    # The live server writes while the test reads: SQLite's shared in-memory test database locks its tables.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a live server beside the test needs a server database"
    ),
    pytest.mark.transactional,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LABELS = {"alertname": "PimApiDown", "customer": "acme", "environment": "production", "component": "pim-api"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture
def alertmanager(tmp_path: Path, live_server, acme, consultant) -> Iterator[str]:
    component = Component.objects.create(environment=acme.production, name="pim-api", kind="application")
    integration = AlertIntegration.objects.create(
        name="ACME Alertmanager", slug="acme-am", organisation=acme.organisation, service_account=consultant,
        requester=acme.requester,
    )  # fmt: skip
    MappingRule.objects.create(
        integration=integration, position=1, match={"customer": "acme", "component": "pim-api"},
        environment=acme.production, component=component, impact=Impact.HIGH, urgency=Urgency.HIGH,
    )  # fmt: skip
    token = api_token_create(actor=acme.admin, name="alertmanager", scopes=["alerts:ingest"], expires_in_days=7)
    port = _free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        json.dumps(
            {
                "route": {"receiver": "picocore", "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
                "receivers": [
                    {
                        "name": "picocore",
                        "webhook_configs": [
                            {
                                "url": f"{live_server.url}/api/v1/alerts/acme-am/",
                                "send_resolved": True,
                                "http_config": {"authorization": {"type": "Bearer", "credentials": token.plaintext}},
                            }
                        ],
                    }
                ],
            }
        )
    )
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1) as answer:  # noqa: S310 (loopback)
                return bool(answer.status == 200)
        except OSError:
            return False

    try:
        _wait_for(ready, seconds=30, what="Alertmanager to start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _moment(seconds_ago: int) -> str:
    return dt.datetime.fromtimestamp(time.time() - seconds_ago, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _post_alert(base: str, *, starts_at: str, ends_at: str | None = None) -> None:
    alert: dict[str, object] = {
        "labels": LABELS,
        "annotations": {"summary": "PIM API answers 503"},
        "startsAt": starts_at,
    }
    if ends_at:
        alert["endsAt"] = ends_at
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/api/v2/alerts",
        data=json.dumps([alert]).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
        assert answer.status == 200


def test_alertmanager_delivers_to_the_intake_and_resolves(alertmanager: str, acme):
    started = _moment(120)
    _post_alert(alertmanager, starts_at=started)
    _wait_for(lambda: Ticket.objects.filter(organisation=acme.organisation).exists(), seconds=60, what="the incident")
    ticket = Ticket.objects.get()
    assert ticket.component is not None and ticket.component.name == "pim-api" and ticket.priority == 1
    alert = Alert.objects.get()
    assert alert.incident_id == ticket.pk and alert.labels["alertname"] == "PimApiDown"
    _post_alert(alertmanager, starts_at=started, ends_at=_moment(1))
    _wait_for(
        lambda: Ticket.objects.filter(pk=ticket.pk, status="resolved").exists(), seconds=60, what="the resolution"
    )
    assert Ticket.objects.count() == 1
