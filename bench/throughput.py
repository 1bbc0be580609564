"""Requests per second over HTTP: gunicorn serving the production settings, wrk on loopback with a signed-in
customer admin's session cookie.

    .venv/bin/python bench/throughput.py --db sqlite          # after bench/seed.py; needs wrk (apt-get install wrk)
    .venv/bin/python bench/throughput.py --db postgres --duration 20 --connections 8

gunicorn runs as `picocore serve` does (2 workers × 4 threads by default) on a free port and is stopped at
the end. The session is made by signing in through Django's test client against the same database, so wrk
sends the cookie a browser would. wrk and gunicorn share the machine's CPUs: the figures are a floor for a
server with its own cores. Results go to bench/results/throughput-<db>.json.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from support import DATABASES, PYTHON, RESULTS, ROOT, machine, matched, save, target_environment, use_target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped with exit code {server.returncode}; see {RESULTS}/gunicorn-*.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout} s")


def start_gunicorn(
    env: dict[str, str], log_name: str, workers: int = 2, threads: int = 4
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving PicoCore as `picocore serve` does, with `env`, on a free loopback port, in a process group of
    its own (stop it with `stop_gunicorn`); its log goes to bench/results/<log_name>. Returns it and its base URL."""
    port = free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / log_name).open("w") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "picocore.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads)],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return server, f"http://127.0.0.1:{port}"


def stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: the group this script started
    server.wait(timeout=30)


def signed_in_session() -> tuple[str, str]:
    """(sessionid, a request key) for a customer admin of the organisation with the most tickets."""
    from django.db.models import Count
    from django.test import Client

    from picocore.demo.data import DEMO_PASSWORD
    from picocore.tenancy.choices import MembershipRole
    from picocore.tenancy.models import Membership, Organisation

    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n").first()
    assert organisation is not None, "the database is seeded"
    membership = Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN).first()
    assert membership is not None, "the organisation has a customer admin"
    admin = membership.user
    client = Client()
    if not client.login(email=admin.email, password=DEMO_PASSWORD):
        raise SystemExit(f"Could not sign in as {admin.email}")
    session = client.session
    session["portal_organisation_id"] = organisation.pk
    session.save()
    key = organisation.tickets.order_by("-updated_at").values_list("key", flat=True).first()
    assert key is not None, "the organisation has tickets"
    return str(client.cookies["sessionid"].value), key


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def request_once(url: str, method: str, headers: dict[str, str], body: str | None = None) -> tuple[int, str]:
    """One request to our own loopback server without following a redirect: (status, Location)."""
    data = body.encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def check_page(url: str, cookie: str) -> None:
    """The page answers 200 to the cookie (not a redirect to the sign-in page), or the benchmark stops."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != 200 or "/accounts/login/" in response.url:
            raise SystemExit(f"{url} did not answer 200 to the signed-in session")


def wrk(url: str, cookie: str, args: argparse.Namespace) -> dict[str, object]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(matched(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "latency_avg": matched(r"Latency\s+([\d.]+\w+)", output).group(1),
        "latency_p50": latency.get("50"),
        "latency_p90": latency.get("90"),
        "latency_p99": latency.get("99"),
        "requests": int(matched(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "raw": output,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=DATABASES, default="sqlite")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gthreads", type=int, default=4, help="gunicorn threads per worker")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian) or your system's package manager.")
    use_target(args.db)
    session, key = signed_in_session()

    server, base = start_gunicorn(target_environment(args.db), f"gunicorn-{args.db}.log", args.workers, args.gthreads)
    results = {"database": args.db, "gunicorn": f"{args.workers} workers × {args.gthreads} threads", "pages": {}}
    try:
        wait_until_up(f"{base}/healthz", server)
        cookie = f"sessionid={session}"
        pages = {"/healthz (no session)": ("/healthz", ""), "portal home": ("/portal/", cookie),
                 f"request page {key}": (f"/portal/requests/{key}/", cookie)}  # fmt: skip
        for name, (path, page_cookie) in pages.items():
            if page_cookie:
                check_page(base + path, page_cookie)
            results["pages"][name] = figures = wrk(base + path, page_cookie, args)
            print(f"{name:<28} {figures['requests_per_second']:>8.1f} req/s  p50 {figures['latency_p50']:>8}  "
                  f"p99 {figures['latency_p99']:>8}  non-2xx {figures['non_2xx']}")  # fmt: skip
    finally:
        stop_gunicorn(server)
    results["wrk"] = f"-t{args.threads} -c{args.connections} -d{args.duration}s"
    results["machine"] = machine()
    print(f"Saved to {save(f'throughput-{args.db}', results)}")


if __name__ == "__main__":
    main()
