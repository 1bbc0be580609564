"""Alert intake per second, with de-duplication: payloads posted through the intake service exactly as the API
view hands them over (raw body stored first, parsed, mapped, de-duplicated, incidents filed or counted).

A fresh SQLite database (or DATABASE_URL) gets the demo world (`picocore demo_load`): an integration for its
first customer, served by one of its consultants, with a rule mapping every alert to one component. Each run
posts `--distinct` Alertmanager payloads of one alert each with new fingerprints (each files an incident), then
`--repeats` payloads repeating those fingerprints (each counts an occurrence and files nothing), interleaved
round by round, and reports payloads per second of each kind: median and p95 of the per-payload latency and the
runs' rates. Usage: .venv/bin/python bench/alerts.py [--distinct 100] [--repeats 400] [--runs 5]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def webhook(fingerprint: str) -> bytes:
    labels = {"alertname": "PimApiDown", "customer": "bench", "component": "pim-api", "instance": fingerprint}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": "PIM API answers 503"},
        "startsAt": "2026-12-04T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint,
    }
    body = {"version": "4", "groupKey": "bench", "status": "firing", "receiver": "picocore", "alerts": [alert],
            "groupLabels": {}, "commonLabels": labels, "commonAnnotations": {}, "externalURL": "http://am"}  # fmt: skip
    return json.dumps(body).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="picocore-bench-alerts-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picocore.config.settings")
    os.environ.update(SECRET_KEY="bench-" + "x" * 50, PICOCORE_HTTPS="0", PICOCORE_VAR_DIR=var_dir,
                      PICOCORE_LOG_LEVEL="ERROR", ALLOWED_HOSTS="127.0.0.1")  # fmt: skip
    import django
    from django.conf import settings

    django.setup()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo_load", verbosity=0)
    from picocore.alerts.models import Alert, AlertIntegration, MappingRule
    from picocore.alerts.services import alert_receive
    from picocore.cmdb.models import Component, Environment
    from picocore.tenancy.choices import MembershipRole, StaffRole
    from picocore.tenancy.models import Membership, User
    from picocore.tenancy.scope import serves
    from picocore.tickets.models import Ticket

    admin_membership = Membership.objects.filter(role=MembershipRole.CUSTOMER_ADMIN).select_related("organisation")
    membership = admin_membership.order_by("organisation_id").first()
    assert membership is not None, "the demo has a customer admin"
    organisation = membership.organisation
    consultant = next(
        user for user in User.objects.filter(staff_role=StaffRole.CONSULTANT) if serves(user, organisation.pk)
    )
    environment = Environment.objects.filter(solution__organisation=organisation).order_by("id").first()
    assert environment is not None
    component = Component.objects.create(environment=environment, name="pim-api (bench)", kind="application")
    integration = AlertIntegration.objects.create(name="Bench", slug="bench", organisation=organisation,
                                                  service_account=consultant, requester=membership.user)  # fmt: skip
    MappingRule.objects.create(integration=integration, position=1, match={"customer": "bench"},
                               environment=environment, component=component)  # fmt: skip
    poster = membership.user

    def post(fingerprint: str) -> float:
        started = time.perf_counter()
        alert_receive(actor=poster, slug="bench", body=webhook(fingerprint), content_type="application/json",
                      source="127.0.0.1")  # fmt: skip
        return time.perf_counter() - started

    rates: dict[str, list[float]] = {"new": [], "repeat": []}
    latencies: dict[str, list[float]] = {"new": [], "repeat": []}
    tickets_before = Ticket.objects.count()
    for run in range(args.runs):
        fingerprints = [f"r{run}-{n}" for n in range(args.distinct)]
        for kind, sequence in (("new", fingerprints), ("repeat", [fingerprints[n % len(fingerprints)]
                                                                   for n in range(args.repeats)])):  # fmt: skip
            started = time.perf_counter()
            latencies[kind] += [post(fingerprint) for fingerprint in sequence]
            rates[kind].append(len(sequence) / (time.perf_counter() - started))
    filed = Ticket.objects.count() - tickets_before
    assert filed == args.runs * args.distinct, f"{filed} incidents for {args.runs * args.distinct} distinct alerts"
    assert Alert.objects.filter(integration=integration).count() == args.runs * args.distinct
    load = os.getloadavg()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; ")
    print(f"{args.runs} runs of {args.distinct} new + {args.repeats} repeats")
    for kind in ("new", "repeat"):
        ms = [value * 1000 for value in latencies[kind]]
        print(f"{kind:>6}: {statistics.median(rates[kind]):7.1f} payloads/s (slowest run {min(rates[kind]):.1f}); "
              f"latency median {statistics.median(ms):.1f} ms, p95 {p95(ms):.1f} ms")  # fmt: skip
    print(f"incidents filed: {filed} (one per distinct alert; repeats filed none)")


if __name__ == "__main__":
    main()
