"""The desk queue and ticket page of two revisions side by side over HTTP, at 100,000 tickets on PostgreSQL.

    .venv/bin/python bench/compare.py                              # before = 691f6d5, after = this checkout
    .venv/bin/python bench/compare.py --before 691f6d5 --requests 300
    .venv/bin/python bench/compare.py --tickets 5000 --requests 50  # a quick trial of the harness

The old revision is checked out into a temporary detached `git worktree` and runs with this checkout's
virtualenv: the script compares the dependencies of the two `pyproject.toml` files and stops if the old
revision needs a package this one does not pin (the new code may add dependencies; the old code ignores them).
The new revision is this working tree as it is. Each revision gets its own PostgreSQL database
(`picocore_compare_before`, `picocore_compare_after`, dropped and created again), migrated by its own code, its
own collected static files, and the same `picocore seed --customers 20 --tickets 100000 --seed 1`; then its own
`picocore sla_recompute` (so that the open tickets have SLA clocks, as in a real installation) and `ANALYZE`.
The two databases are seeded at the same time, each by its own process.

Both revisions are then served by gunicorn on loopback ports (2 workers × 4 threads, as `picocore serve`),
production settings (DEBUG off), and the script signs in through each sign-in page as the same consultant: the
member of the seeded team with the most unfinished tickets. It requests, alternately old, new, old, new…, the
desk queue "My teams' open" (`/desk/queues/team/`, 50 rows) and the desk ticket page of one ticket of that
team with the seeded tickets' typical number of timeline events (the same key on both databases), each over
one kept-alive connection per server, and reports median and p95 per page and revision, the ratio new/old of
both, and the load average before and after. Results go to bench/results/compare-<time>.json (and
compare-latest.json); the servers' logs to bench/results/gunicorn-compare-<before|after>.log.
"""

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from pathlib import Path

from support import PYTHON, RESULTS, ROOT, machine, psql, save, summary

BEFORE = "691f6d5"  # the last commit before issue 9's work
POSTGRES = "postgres://postgres@127.0.0.1:5432/{name}"
DATABASE_NAMES = {"before": "picocore_compare_before", "after": "picocore_compare_after"}
QUEUE_PATH = "/desk/queues/team/"

# Run by each revision's own `manage.py shell`: the seeded consultant and candidate tickets, by model APIs both
# revisions share. Prints one JSON line.
FACTS = """
import json
from django.db.models import Count, Q
from picocore.demo.data import DEMO_PASSWORD
from picocore.demo.seed import SEEDED_TEAM
from picocore.tenancy.models import Team
from picocore.tickets.choices import OPEN_STATUSES, UNFINISHED_STATUSES
from picocore.tickets.models import Ticket, TicketEvent
team = Team.objects.get(name=SEEDED_TEAM)
consultant = (
    team.members.annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=UNFINISHED_STATUSES)))
    .order_by("-n", "id").first()
)
per_ticket = list(TicketEvent.objects.values("ticket").annotate(n=Count("id")).values_list("n", flat=True))
per_ticket.sort()
typical = per_ticket[len(per_ticket) // 2]
open_in_team = Ticket.objects.filter(team=team, status__in=OPEN_STATUSES)
candidates = list(
    open_in_team.annotate(n=Count("events")).filter(n=typical).order_by("key").values_list("key", flat=True)[:20]
)
events = dict(
    Ticket.objects.filter(key__in=candidates).annotate(n=Count("events")).values_list("key", "n")
)
print(json.dumps({
    "consultant": consultant.email, "password": DEMO_PASSWORD, "typical_events": typical,
    "candidates": candidates, "events": events, "tickets": Ticket.objects.count(),
    "events_total": TicketEvent.objects.count(), "team_open": open_in_team.count(),
}))
"""


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def dependencies(pyproject: str) -> dict[str, list[str]]:
    """The pinned requirements of a pyproject.toml: the main list and each optional group."""
    project = tomllib.loads(pyproject)["project"]
    return {"main": sorted(project.get("dependencies", [])), **{
        group: sorted(items) for group, items in project.get("optional-dependencies", {}).items()
    }}  # fmt: skip


def check_dependencies(before: str) -> dict:
    """Compare the old revision's pyproject.toml with this checkout's; the old code must run in this venv."""
    old = dependencies(git("show", f"{before}:pyproject.toml"))["main"]
    new = dependencies((ROOT / "pyproject.toml").read_text())["main"]
    name = re.compile(r"^[A-Za-z0-9_.\-]+")
    old_by_name = {name.match(item).group(0).lower(): item for item in old}
    new_by_name = {name.match(item).group(0).lower(): item for item in new}
    missing = [item for key, item in old_by_name.items() if key not in new_by_name]
    if missing:
        raise SystemExit(f"{before} needs packages this checkout does not pin: {missing}; give it its own venv.")
    return {
        "identical": old == new,
        "changed_pins": [
            f"{item} -> {new_by_name[key]}" for key, item in old_by_name.items() if new_by_name[key] != item
        ],
        "added_in_after": [item for key, item in new_by_name.items() if key not in old_by_name],
    }


def environment(code: Path, database: str, var_dir: str, secret_key: str) -> dict[str, str]:
    """Production settings pointed at one revision's database; `picocore` imported from that revision's tree."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "PICOCORE_DEMO"}}
    env.update(
        DJANGO_SETTINGS_MODULE="picocore.config.settings",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PICOCORE_HTTPS="0",
        PICOCORE_VAR_DIR=var_dir,
        PICOCORE_LOG_LEVEL="WARNING",
        DATABASE_URL=POSTGRES.format(name=database),
        PYTHONPATH=str(code),  # before the venv's editable install of this checkout
    )
    return env


def manage(revision: dict, *args: str) -> str:
    completed = subprocess.run(
        [PYTHON, str(revision["code"] / "manage.py"), *args], env=revision["env"], cwd=revision["code"],
        check=False, text=True, capture_output=True,
    )  # fmt: skip
    if completed.returncode:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{revision['name']}: manage.py {' '.join(args[:2])} failed ({completed.returncode})")
    return completed.stdout


def imported_from(revision: dict) -> str:
    """Where the revision's processes import picocore from: must be its own tree."""
    out = manage(revision, "shell", "-c", "import picocore, os; print(os.path.dirname(picocore.__file__))")
    where = Path(out.strip().splitlines()[-1]).resolve()
    if where != (revision["code"] / "picocore").resolve():
        raise SystemExit(f"{revision['name']} imports picocore from {where}, not from {revision['code']}")
    return str(where)


def prepare(revision: dict, args: argparse.Namespace) -> dict:
    """Fresh database, migrate, collectstatic, seed, sla_recompute, ANALYZE: timed, by the revision's own code."""
    name = revision["database"]
    psql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    steps = {}
    commands = [
        ("migrate", ("migrate", "--no-input", "-v", "0")),
        ("collectstatic", ("collectstatic", "--no-input", "-v", "0")),
        ("seed", ("seed", "--customers", str(args.customers), "--tickets", str(args.tickets),
                  "--seed", str(args.seed))),
    ]  # fmt: skip
    if not args.no_recompute:
        commands.append(("sla_recompute", ("sla_recompute",)))
    for step, command in commands:
        started = time.perf_counter()
        output = manage(revision, *command)
        steps[step] = {"seconds": round(time.perf_counter() - started, 1), "output": output.strip()[-300:]}
        print(f"  {revision['name']}: {step} {steps[step]['seconds']} s", flush=True)
    psql("ANALYZE", database=name)
    return steps


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(revision: dict, args: argparse.Namespace) -> subprocess.Popen:
    revision["port"] = port = free_port()
    log = (RESULTS / f"gunicorn-compare-{revision['name']}.log").open("w")
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "picocore.config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.gthreads)],
        env=revision["env"], cwd=revision["code"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn of {revision['name']} stopped ({server.returncode}); see {log.name}")
        try:
            status, _, _ = Session(port).get("/healthz")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn of {revision['name']} did not answer within 60 s")


class Session:
    """One kept-alive HTTP connection to a loopback server, with the cookies it was given."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()  # the server closed a kept-alive connection: retry once on a new one
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        return response.status, dict(response.getheaders()), content

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def sign_in(self, email: str, password: str) -> None:
        status, _, page = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"No sign-in form on port {self.port} ({status})")
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": email, "password": password}
        status, _, _ = self.request("POST", "/accounts/login/", urllib.parse.urlencode(form))
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Signing in as {email} on port {self.port} failed ({status})")


def timed_get(session: Session, path: str, must_contain: bytes) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, _, content = session.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200 or must_contain not in content:
        raise SystemExit(f"GET {path} on port {session.port} answered {status} without {must_contain!r}")
    return elapsed, content


def ticket_links(content: bytes) -> int:
    """How many different tickets a page links to (a queue page: its rows)."""
    return len(set(re.findall(rb'href="/desk/tickets/([A-Z]+-\d+)/"', content)))


def facts(revision: dict) -> dict:
    output = manage(revision, "shell", "-c", FACTS)
    return json.loads(output.strip().splitlines()[-1])


def choose(before: dict, after: dict) -> tuple[str, str, int]:
    """The consultant and ticket key both databases share, with the same number of events on both."""
    if before["consultant"] != after["consultant"]:
        raise SystemExit(f"The seeded consultants differ: {before['consultant']} / {after['consultant']}")
    for key in after["candidates"]:
        if key in before["events"] and before["events"][key] == after["events"][key]:
            return after["consultant"], key, after["events"][key]
    raise SystemExit(f"No ticket with {after['typical_events']} events in both databases: {after} / {before}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help=f"the old revision (default {BEFORE})")
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200, help="timed GETs per page and revision")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed GETs per page and revision first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gthreads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--no-recompute", action="store_true", help="skip picocore sla_recompute after seeding")
    parser.add_argument("--reuse", action="store_true", help="keep the databases of the previous run (no seeding)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    state_file = RESULTS / "compare-targets.json"

    before_commit = git("rev-parse", args.before)
    after_commit = git("describe", "--always", "--dirty", "--abbrev=12")
    deps = check_dependencies(args.before)
    print(f"before {before_commit[:12]}, after {after_commit} (this checkout); dependencies: {deps}", flush=True)

    previous = json.loads(state_file.read_text()) if args.reuse and state_file.exists() else None
    if args.reuse and previous is None:
        raise SystemExit("--reuse: no previous run in bench/results/compare-targets.json")
    worktree = Path(tempfile.mkdtemp(prefix="picocore-compare-")) / "before"
    git("worktree", "add", "--detach", str(worktree), before_commit)
    revisions: dict[str, dict] = {}
    servers: list[subprocess.Popen] = []
    try:
        for name, code in (("before", worktree), ("after", ROOT)):
            if previous:
                var_dir, key = previous[name]["var_dir"], previous[name]["secret_key"]
            else:
                var_dir = tempfile.mkdtemp(prefix=f"picocore-compare-{name}-")
                key = secrets.token_urlsafe(50)
            env = environment(code, DATABASE_NAMES[name], var_dir, key)
            revisions[name] = {"name": name, "code": code, "database": DATABASE_NAMES[name], "var_dir": var_dir,
                               "env": env, "secret_key": key}  # fmt: skip
            revisions[name]["picocore"] = imported_from(revisions[name])
        result: dict = {
            "before": {"revision": before_commit, "picocore": revisions["before"]["picocore"]},
            "after": {"revision": after_commit, "picocore": revisions["after"]["picocore"]},
            "dependencies": deps,
            "seed": {"customers": args.customers, "tickets": args.tickets, "seed": args.seed},
            "sla_recompute": not args.no_recompute,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_before_seeding": load(),
        }
        if previous:
            # Each database is brought to its revision's schema by that revision's own migrations (an upgrade of
            # the data the previous run seeded) and gets that revision's static files.
            result["prepared"] = {"reused": previous["started"], "seeded_by": previous.get("after_revision")}
            for revision in revisions.values():
                for step in (("migrate", "--no-input", "-v", "0"), ("collectstatic", "--no-input", "-v", "0")):
                    manage(revision, *step)
                psql("ANALYZE", database=revision["database"])
            if previous.get("after_revision") != after_commit:
                print(f"note: the after database was seeded by {previous.get('after_revision')}", flush=True)
        else:
            print(f"Seeding both databases at once ({args.tickets:,} tickets each; minutes) …", flush=True)
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                jobs = {name: pool.submit(prepare, revision, args) for name, revision in revisions.items()}
                result["prepared"] = {name: job.result() for name, job in jobs.items()}
            state_file.write_text(json.dumps({
                "started": result["started"], "after_revision": after_commit,
                **{n: {"var_dir": r["var_dir"], "secret_key": r["secret_key"]} for n, r in revisions.items()},
            }, indent=2) + "\n")  # fmt: skip
        seen = {name: facts(revision) for name, revision in revisions.items()}
        for name in revisions:
            result[name]["data"] = {
                k: seen[name][k] for k in ("tickets", "events_total", "team_open", "typical_events")
            }
        consultant, key, events = choose(seen["before"], seen["after"])
        password = seen["after"]["password"]
        ticket_path = f"/desk/tickets/{key}/"
        result.update(consultant=consultant, ticket=key, ticket_events=events)
        print(f"consultant {consultant}; ticket {key} ({events} events); data {seen['after']['tickets']:,} tickets",
              flush=True)  # fmt: skip

        for revision in revisions.values():
            servers.append(serve(revision, args))
        sessions = {}
        for name, revision in revisions.items():
            sessions[name] = Session(revision["port"])
            sessions[name].sign_in(consultant, password)
        pages = {
            "desk queue (team, 50 rows)": (QUEUE_PATH, b"<table"),
            f"desk ticket {key}": (ticket_path, key.encode()),
        }
        order = ("before", "after")
        for _ in range(args.warm_up):
            for path, marker in pages.values():
                for name in order:
                    timed_get(sessions[name], path, marker)
        samples = {page: {name: [] for name in order} for page in pages}
        sizes: dict[str, dict[str, int]] = {page: {} for page in pages}
        rows: dict[str, int] = {}
        result["load_before_timing"] = load()
        print(f"timing {args.requests} × {len(pages)} pages × 2 revisions, interleaved; load {load()}", flush=True)
        started = time.perf_counter()
        for n in range(args.requests):
            for page, (path, marker) in pages.items():
                for name in order:
                    elapsed, content = timed_get(sessions[name], path, marker)
                    samples[page][name].append(elapsed)
                    sizes[page][name] = len(content)
                    if path == QUEUE_PATH:
                        rows[name] = ticket_links(content)
            if (n + 1) % 50 == 0:
                print(f"  {n + 1}/{args.requests}, load {load()}", flush=True)
        result["timing_seconds"] = round(time.perf_counter() - started, 1)
        result["queue_rows"] = rows
        if set(rows.values()) != {50}:
            print(f"note: the queue pages listed {rows} tickets, not 50 each", flush=True)
        result["load_after_timing"] = load()
        result["pages"] = {}
        for page, (path, _) in pages.items():
            old, new = summary(samples[page]["before"]), summary(samples[page]["after"])
            result["pages"][page] = {
                "path": path,
                "before": {**old, "bytes": sizes[page]["before"]},
                "after": {**new, "bytes": sizes[page]["after"]},
                "ratio_median": round(new["median_ms"] / old["median_ms"], 3),
                "ratio_p95": round(new["p95_ms"] / old["p95_ms"], 3),
                "samples_ms": {name: [round(s, 2) for s in samples[page][name]] for name in order},
            }
        result["interleaving"] = "per round: queue before, queue after, ticket before, ticket after"
        result["gunicorn"] = f"{args.workers} workers × {args.gthreads} threads, one kept-alive connection each"
        result["machine"] = machine()
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers: the group this script started
            server.wait(timeout=30)
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)
        shutil.rmtree(worktree.parent, ignore_errors=True)

    print(f"\n{'page':<28} {'before median / p95':>22} {'after median / p95':>22} {'ratio median / p95':>20}")
    for page, figures in result["pages"].items():
        b, a = figures["before"], figures["after"]
        print(f"{page:<28} {b['median_ms']:>9.1f} / {b['p95_ms']:>7.1f} ms "
              f"{a['median_ms']:>9.1f} / {a['p95_ms']:>7.1f} ms"
              f" {figures['ratio_median']:>9.3f} / {figures['ratio_p95']:.3f}")  # fmt: skip
    print(f"load average: before seeding {result['load_before_seeding']}, "
          f"before timing {result['load_before_timing']}, after {result['load_after_timing']}")  # fmt: skip
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    save("compare-latest", result)
    print(f"Saved to {save(f'compare-{stamp}', result)}")


if __name__ == "__main__":
    main()
