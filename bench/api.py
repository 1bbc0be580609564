"""The API's ticket list and create over HTTP against the pages that show and file the same tickets, in
interleaved rounds: requests per second, median and p95 latency, the ratios API/page and the load average.

    .venv/bin/python bench/api.py                                    # SQLite: a fresh file, 100,000 tickets
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/picocore_bench_api .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --no-seed --rounds 5 --duration 15  # the database the last run seeded

The database: without DATABASE_URL a new SQLite file in a new temporary directory; with it, the PostgreSQL
database it names, dropped and created again (its name must contain "bench"). Both are seeded by bench/seed.py's
`run` (`picocore seed --customers 20 --tickets 100000 --seed 1`) unless `--no-seed` reuses the target the last
seeding of that size left in bench/results/targets.json.

Two people of the organisation with the most tickets, each with a session (for the pages) and an API token with
`tickets:read` and `tickets:write` (for the API): its customer admin and a consultant serving it. Measured, for
each of them:

- list: GET /api/v1/tickets/ (the first page; `page_size=25` for the customer, as the portal's page) against the
  customer's request list /portal/requests/ (every request of the organisation, 25 a page), and for the
  consultant the desk's queue "My teams' open" (/desk/queues/team/, 50 a page, the API's default size);
- create: POST /api/v1/tickets/ with an `Idempotency-Key` of its own per request (the consultant names the
  customer admin as `requester`) against the portal's new-request form (POST with a submission token of its own,
  answered by a redirect) and, for the consultant, the desk's phone-call form.

Every API request also counts itself in the database (picocore/api/throttling.py: one INSERT … ON CONFLICT per
request, on one row per token and minute). To see what that costs, each API request is also sent to a second
gunicorn whose settings (bench/api_settings.py) have no throttle classes: "API, no rate limit" in the figures;
and the counting statement alone is timed in-process at the end. The rate limit is raised to 10^9 a minute on
the first server so that no request is refused.

Each round runs every measurement once with `wrk -t2 -c8 -d<duration>s` (bench/api.lua), in an order rotated by
one each round; the figures are the medians over the rounds of each run's requests per second, median and p95
latency (wrk's own percentiles over all requests of the run), and the ratio API/page of the medians. gunicorn
runs as `picocore serve` (2 workers × 4 threads) with the production settings; no task worker runs. Results:
bench/results/api-<db>-<size>.json; the servers' logs bench/results/gunicorn-api*.log.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from seed import run as seed_run
from support import (
    ROOT,
    load_targets,
    machine,
    postgres_database,
    save,
    size_label,
    summary,
    target_environment,
    use_target,
)
from throughput import request_once, start_gunicorn, stop_gunicorn, wait_until_up

LUA = Path(__file__).with_name("api.lua")
BENCH = Path(__file__).resolve().parent
NO_LIMIT = "API, no rate limit"
RESULT_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


@dataclass
class Measure:
    """One kind of request, sent by wrk."""

    person: str  # "customer" or "consultant"
    what: str  # "list" or "create"
    side: str  # "API", NO_LIMIT, or the page's name
    server: str  # "main" or "no-limit"
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""
    unique: str = ""  # see bench/api.lua
    expect: int = 200
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.person} {self.what}: {self.side}"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def people() -> dict[str, Any]:
    """The customer admin of the organisation with the most tickets and a consultant serving it: their sessions,
    new API tokens, and what each of them posts."""
    from django.db.models import Count
    from django.test import Client
    from portal import submission

    from picocore.api.scopes import Scope
    from picocore.api.tokens import api_token_create
    from picocore.catalog.forms import ANSWER_PREFIX
    from picocore.catalog.selectors import offered_request_types
    from picocore.cmdb.models import Environment
    from picocore.tenancy.choices import MembershipRole, StaffRole
    from picocore.tenancy.models import Membership, Organisation, User
    from picocore.tenancy.scope import serves

    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n").first()
    assert organisation is not None, "the database is seeded"
    admin = (
        Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN)
        .select_related("user")
        .order_by("id")
        .first()
    )
    assert admin is not None, "the seeded organisation has a customer admin"
    consultant = next(
        user
        for user in User.objects.filter(staff_role=StaffRole.CONSULTANT, is_active=True).order_by("id")
        if serves(user, organisation.pk)
    )
    request_type = offered_request_types(organisation=organisation).prefetch_related("fields").first()
    assert request_type is not None, "the organisation is offered a request type"
    form = submission(request_type, organisation)
    environment = Environment.objects.filter(organisation=organisation).order_by("id").first()
    assert environment is not None

    def session(user: User, organisation_id: int | None = None) -> str:
        client = Client()
        client.force_login(user)
        if organisation_id is not None:
            stored = client.session
            stored["portal_organisation_id"] = organisation_id
            stored.save()
        return client.cookies["sessionid"].value

    def token(user: User) -> str:
        scopes = [Scope.TICKETS_READ.value, Scope.TICKETS_WRITE.value]
        return api_token_create(actor=user, name="bench/api.py", scopes=scopes, expires_in_days=7).plaintext

    api_body: dict[str, Any] = {
        "organisation": organisation.slug,
        "request_type": request_type.slug,
        "title": form["title"],
        "description": form["description"].replace("bench/portal.py", "bench/api.py"),
        "impact": form["impact"],
        "urgency": form["urgency"],
        "answers": {name.removeprefix(ANSWER_PREFIX): value for name, value in form.items() if
                    name.startswith(ANSWER_PREFIX)},
    }  # fmt: skip
    phone = {
        "contact": str(admin.pk),
        "request_type": str(request_type.pk),
        "title": form["title"],
        "description": form["description"],
        "impact": form["impact"],
        "urgency": form["urgency"],
        "environment": str(environment.pk),
    }
    return {
        "organisation": organisation.name,
        "organisation_tickets": organisation.tickets.count(),
        "customer": admin.user.email,
        "consultant": consultant.email,
        "request_type": request_type.slug,
        "customer_session": session(admin.user, organisation.pk),
        "consultant_session": session(consultant),
        "customer_token": token(admin.user),
        "consultant_token": token(consultant),
        "portal_form": form,
        "api_body": api_body,
        "consultant_api_body": {**api_body, "requester": admin.user.email},
        "phone_form": phone,
    }


def measures(who: dict[str, Any]) -> list[Measure]:
    """What each round measures, in its first round's order."""
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the form's token
    found: list[Measure] = []
    for person, api_list, page_name, page_list, page_create, page_body in (
        ("customer", "/api/v1/tickets/?page_size=25", "portal", "/portal/requests/",
         f"/portal/new/{who['request_type']}/", who["portal_form"]),
        ("consultant", "/api/v1/tickets/", "desk", "/desk/queues/team/", "/desk/phone/", who["phone_form"]),
    ):  # fmt: skip
        bearer = {"Authorization": f"Bearer {who[person + '_token']}", "Accept": "application/json"}
        cookie = {"Cookie": f"sessionid={who[person + '_session']}; csrftoken={csrf}"}
        form = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
        body = urllib.parse.urlencode({**page_body, "csrfmiddlewaretoken": csrf})
        json_body = json.dumps(who["consultant_api_body" if person == "consultant" else "api_body"])
        posted = {**bearer, "Content-Type": "application/json"}
        idempotent = "header:Idempotency-Key"
        found += [
            Measure(person, "list", "API", "main", "GET", api_list, bearer),
            Measure(person, "list", NO_LIMIT, "no-limit", "GET", api_list, bearer),
            Measure(person, "list", page_name, "main", "GET", page_list, cookie),
            Measure(person, "create", "API", "main", "POST", "/api/v1/tickets/", posted, json_body, idempotent, 201),
            Measure(person, "create", NO_LIMIT, "no-limit", "POST", "/api/v1/tickets/", posted, json_body,
                    idempotent, 201),
            Measure(person, "create", page_name, "main", "POST", page_create, form, body, "form:submission", 302),
        ]  # fmt: skip
    return found


def check(measure: Measure, base: str) -> None:
    """One request as wrk will send it answers as expected, or the benchmark stops."""
    headers = dict(measure.headers)
    body = measure.body
    kind, _, name = measure.unique.partition(":")
    if kind == "header":
        headers[name] = secrets.token_hex(8)
    elif kind == "form":
        body += f"&{name}={secrets.token_hex(8)}"
    status, location = request_once(base + measure.path, measure.method, headers, body or None)
    if status != measure.expect or (status == 302 and "/accounts/login/" in location):
        raise SystemExit(f"{measure.name}: {measure.method} {measure.path} answered {status} {location!r}")


def wrk(measure: Measure, base: str, args: argparse.Namespace) -> dict[str, Any]:
    # A long timeout: wrk's default (2 s) drops slower answers from its count while the server still files them.
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "60s"]
    command += ["-s", str(LUA), base + measure.path]
    env = os.environ | {
        "BENCH_METHOD": measure.method,
        "BENCH_HEADERS": "\n".join(f"{name}: {value}" for name, value in measure.headers.items()),
        "BENCH_BODY": measure.body,
        "BENCH_UNIQUE": measure.unique,
    }
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    line = RESULT_LINE.search(output)
    if line is None:
        raise SystemExit(f"wrk printed no result line:\n{output}")
    raw = dict(part.split("=") for part in line.group(1).split())
    return {
        "requests_per_second": round(int(raw["requests"]) / float(raw["seconds"]), 1),
        "requests": int(raw["requests"]),
        "median_ms": int(raw["p50"]) / 1000,
        "p95_ms": int(raw["p95"]) / 1000,
        "p99_ms": int(raw["p99"]) / 1000,
        "errors": int(raw["status_errors"]) + int(raw["socket_errors"]),
    }


def rate_count_cost(samples: int = 300) -> dict[str, float]:
    """In this process, alone: the statement every API request adds (picocore/api/throttling.py `_count`: the
    INSERT … ON CONFLICT … RETURNING on the token's row of the minute, in autocommit), timed `samples` times."""
    from picocore.api.throttling import _count

    window = int(time.time()) // 60 * 60
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        _count("bench:api.py", window)
        timings.append((time.perf_counter() - started) * 1000)
    return summary(timings)


def tickets() -> int:
    from picocore.tickets.models import Ticket

    return Ticket.objects.count()


def figures(measure: Measure) -> dict[str, float]:
    runs = measure.runs
    return {
        "requests_per_second": round(statistics.median(r["requests_per_second"] for r in runs), 1),
        "median_ms": round(statistics.median(r["median_ms"] for r in runs), 1),
        "p95_ms": round(statistics.median(r["p95_ms"] for r in runs), 1),
        "errors": sum(r["errors"] for r in runs),
    }


def seeded_target(args: argparse.Namespace) -> str:
    """Seed the database DATABASE_URL names (else a new SQLite file) unless --no-seed; its target's name."""
    url = os.environ.get("DATABASE_URL", "")
    database = "postgres" if url.startswith("postgres") else "sqlite"
    target = f"{database}-{size_label(args.tickets)}"
    if args.no_seed:
        if target not in load_targets():
            raise SystemExit(f"No seeded {target} in bench/results/targets.json: run without --no-seed.")
        return target
    if database == "postgres" and "bench" not in postgres_database(url):
        raise SystemExit(f"{url} is dropped and created again: name a database whose name contains 'bench'.")
    seed_run(database, args.customers, args.tickets, 1, "", url)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--no-seed", action="store_true", help="reuse the database of the last seeding")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk`.")
    target = seeded_target(args)
    use_target(target)
    who = people()
    print(f"\n{who['organisation']}: {who['organisation_tickets']:,} tickets; customer admin {who['customer']}, "
          f"consultant {who['consultant']}; request type {who['request_type']}")  # fmt: skip

    env = target_environment(target) | {"PICOCORE_API_RATE_LIMIT": str(10**9)}
    unlimited = env | {"DJANGO_SETTINGS_MODULE": "api_settings", "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)])}
    servers = {
        "main": start_gunicorn(env, f"gunicorn-api-{target}.log"),
        "no-limit": start_gunicorn(unlimited, f"gunicorn-api-no-limit-{target}.log"),
    }
    todo = measures(who)
    started_load = load_average()
    try:
        for server, base in servers.values():
            wait_until_up(base + "/healthz", server)
        for measure in todo:
            check(measure, servers[measure.server][1])
        print(f"{len(todo)} measurements × {args.rounds} rounds of wrk -t2 -c{args.connections} "
              f"-d{args.duration}s; load average {started_load}")  # fmt: skip
        for number in range(args.rounds):
            shift = number % len(todo)
            for measure in todo[shift:] + todo[:shift]:
                load = load_average()
                before = tickets() if measure.what == "create" else 0
                run = wrk(measure, servers[measure.server][1], args)
                if measure.what == "create":
                    time.sleep(0.5)  # requests still in flight when wrk stopped finish
                    run["tickets_created"] = tickets() - before
                run |= {"round": number + 1, "load_before": load}
                measure.runs.append(run)
                created = f"  created {run['tickets_created']}" if measure.what == "create" else ""
                print(f"round {number + 1}  {measure.name:<37} {run['requests_per_second']:>7.1f} req/s  "
                      f"median {run['median_ms']:>7.1f} ms  p95 {run['p95_ms']:>7.1f} ms  errors {run['errors']}"
                      f"{created}  load {load}", flush=True)  # fmt: skip
    finally:
        for server, _base in servers.values():
            stop_gunicorn(server)

    table = {measure.name: figures(measure) for measure in todo}
    ratios: dict[str, dict[str, float]] = {}
    print(f"\n{'':<37} {'req/s':>8} {'median':>9} {'p95':>9}   medians of {args.rounds} rounds")
    for measure in todo:
        row = table[measure.name]
        print(f"{measure.name:<37} {row['requests_per_second']:>8.1f} {row['median_ms']:>7.1f}ms "
              f"{row['p95_ms']:>7.1f}ms  errors {row['errors']}")  # fmt: skip
    for person in ("customer", "consultant"):
        for what in ("list", "create"):
            rows = {m.side: table[m.name] for m in todo if m.person == person and m.what == what}
            page = next(side for side in rows if side not in ("API", NO_LIMIT))
            api, free, shown = rows["API"], rows[NO_LIMIT], rows[page]
            ratios[f"{person} {what}"] = {
                f"API/{page} req/s": round(api["requests_per_second"] / shown["requests_per_second"], 2),
                f"API/{page} median": round(api["median_ms"] / shown["median_ms"], 2),
                "API/no rate limit req/s": round(api["requests_per_second"] / free["requests_per_second"], 2),
            }
            print(f"{person} {what}: " + ", ".join(f"{k} {v}" for k, v in ratios[f"{person} {what}"].items()))
    count = rate_count_cost()
    print(f"the rate-limit count alone (in-process, {count['n']} times): median {count['median_ms']:.2f} ms, "
          f"p95 {count['p95_ms']:.2f} ms")  # fmt: skip
    print(f"load average: {started_load} at the start, {load_average()} at the end")
    results = {
        "target": target,
        "people": {key: who[key] for key in ("organisation", "organisation_tickets", "customer", "consultant")},
        "wrk": f"-t2 -c{args.connections} -d{args.duration}s --timeout 60s",
        "gunicorn": "2 workers × 4 threads",
        "rounds": args.rounds,
        "figures": table,
        "ratios": ratios,
        "rate_count_in_process": count,
        "measures": [asdict(m) | {"headers": sorted(m.headers), "body": ""} for m in todo],
        "load_average_start": started_load,
        "machine": machine(),
    }
    print(f"Saved to {save(f'api-{target}', results)}")


if __name__ == "__main__":
    main()
