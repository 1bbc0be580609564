"""Webhook deliveries per second to a local receiver (http.server in a thread, on loopback).

Creates a fresh SQLite database (or uses DATABASE_URL), writes N deliveries the way an announcement does, then
posts them exactly as the worker does (claim with SKIP LOCKED where the database has it, sign with every active
secret, POST with urllib, log the attempt, mark delivered) and reports deliveries per second; `--runs` times,
with the median and p95 of the per-delivery latency (request to the receiver only) and of the runs' rates.
Usage: .venv/bin/python bench/webhooks.py [--deliveries 500] [--runs 5]
"""

import argparse
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="picocore-bench-webhooks-")
    # The receiver is on loopback, so private targets are allowed.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picocore.config.settings")
    os.environ.update(SECRET_KEY="bench-" + "x" * 50, PICOCORE_HTTPS="0", PICOCORE_VAR_DIR=var_dir,
                      PICOCORE_LOG_LEVEL="ERROR", ALLOWED_HOSTS="127.0.0.1",
                      PICOCORE_OUTBOUND_PRIVATE_TARGETS="1")  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    import django
    from django.conf import settings

    django.setup()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from picocore.tenancy.models import Organisation
    from picocore.webhooks.announce import Announcement, write_deliveries
    from picocore.webhooks.models import DeliveryAttempt, Subscription
    from picocore.webhooks.sealing import seal
    from picocore.webhooks.sending import claim, deliver
    from picocore.webhooks.signing import new_secret

    organisation = Organisation.objects.create(name="Bench", slug="bench", key_prefix="BEN")
    subscription = Subscription.objects.create(name="Bench", url=url, events=["ticket.created"],
                                               secret_sealed=seal(new_secret()))  # fmt: skip
    rates: list[float] = []
    latencies: list[float] = []
    for run in range(args.runs):
        ticket = {"key": "BEN-1", "title": "A title of usual length", "status": "new", "priority": 2,
                  "organisation": "bench", "url": "http://127.0.0.1:8000/portal/requests/BEN-1/"}  # fmt: skip
        payload: dict[str, object] = {"ticket": ticket}
        write_deliveries([subscription], [Announcement("ticket.created", organisation.pk, payload, f"r{run}-{n}")
                                          for n in range(args.deliveries)])  # fmt: skip
        started = time.perf_counter()
        sent = 0
        while ids := claim(limit=100):
            for delivery_id in ids:
                sent += deliver(delivery_id) == "delivered"
        elapsed = time.perf_counter() - started
        assert sent == args.deliveries, sent
        rates.append(sent / elapsed)
        latencies += list(DeliveryAttempt.objects.filter(delivery__event_id__startswith=f"r{run}-")
                          .values_list("latency_ms", flat=True))  # fmt: skip
        print(f"run {run + 1}: {sent} deliveries in {elapsed:.2f} s = {sent / elapsed:.0f}/s")
    load = os.getloadavg()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, CPUs {os.cpu_count()}")  # fmt: skip
    print(f"deliveries/s: median {statistics.median(rates):.0f}, slowest run {min(rates):.0f} "
          f"over {args.runs} runs of {args.deliveries}")  # fmt: skip
    print(f"latency per POST: median {statistics.median(latencies):.0f} ms, p95 {p95(latencies):.0f} ms")
    server.shutdown()


if __name__ == "__main__":
    main()
