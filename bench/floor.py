"""Each page against its floor, and each database size against the others, interleaved in one run.

    .venv/bin/python bench/floor.py \\
        --target pg-10k=postgres://postgres@127.0.0.1:5432/picocore_bench_10k \\
        --target pg-100k=postgres://postgres@127.0.0.1:5432/picocore_bench_100k \\
        --target pg-1m=postgres://postgres@127.0.0.1:5432/picocore_bench_1m \\
        --target sqlite-100k=sqlite:/work/bench-data/sqlite-100k --rounds 100

A target is a seeded database (`picocore seed`, then `picocore sla_recompute`): a PostgreSQL URL, or
`sqlite:<dir>` for the SQLite file in that PICOCORE_VAR_DIR. Each target gets its own worker process
(Django in-process with the production settings, DEBUG off, the test Client, its own caches), so no state
crosses from one database to another. The coordinator asks the workers in turn for one timed request at a
time: in every round, for every page, every target times the real page and its floor (a bare view running
the same selector with a minimal template, bench/floor_views.py), alternating which goes first. Whatever else
loads the machine loads all of them alike, so the ratios hold while the milliseconds do not:

- page / floor on the same database (the issue's ≤ 1.5 × for pages, ≤ 2 × for the submission);
- the page's median on each database over its median on the smallest (growth; ≤ 1.15 asked).

Pages: the desk team queue (50 rows) and the ticket page as the seeded team's busiest consultant; the portal
home, a request page, the new-request form and its submission as a customer admin of the organisation with
the most tickets. Query counts per page are taken once per target, from a page's second request: the first of a
process also loads what it keeps (reference data, the sidebar's counts), and the JSON has its count as
"real_first". The submissions add tickets (and the floor rows, which the worker deletes at the end); seed again
for pristine data. Results:
bench/results/floor-<time>.json and floor-latest.json.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

from support import PYTHON, RESULTS, ROOT, base_environment, machine, manage, summary

BENCH = ROOT / "bench"
PAGES = ("desk queue", "desk ticket page", "portal home", "portal request page", "portal form", "portal submit")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# ---------------------------------------------------------------------------------------------------------------
# The worker: one per target database, answering one JSON request per line on stdin.


def _prepare():
    """Sign in the two people, choose the tickets and request type, and build each page's (real, floor)
    requests. Returns {page: {"real": (method, url, data), "floor": (...)}} and a description."""
    import floor_views
    from django.db.models import Count, Q
    from django.test import Client
    from portal import submission

    from picocore.catalog.selectors import offered_request_types
    from picocore.demo.seed import SEEDED_TEAM
    from picocore.tenancy.choices import MembershipRole
    from picocore.tenancy.models import Membership, Organisation, Team
    from picocore.tickets.choices import OPEN_STATUSES, UNFINISHED_STATUSES
    from picocore.tickets.models import Ticket

    team = Team.objects.get(name=SEEDED_TEAM)
    consultant = (
        team.members.annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=UNFINISHED_STATUSES)))
        .order_by("-n", "id")
        .first()
    )
    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n", "id").first()
    admin = (
        Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN)
        .order_by("id")
        .first()
        .user
    )
    clients = {"consultant": Client(), "customer": Client()}
    for who, user in (("consultant", consultant), ("customer", admin)):
        clients[who].force_login(user)  # a real session; the sign-in page is not what is measured
    session = clients["customer"].session
    session["portal_organisation_id"] = organisation.pk
    session.save()

    # Tickets with the seeded median of timeline events (5), the first by id: the same choice on every size.
    with_five = Ticket.objects.annotate(n=Count("events")).filter(n=5, status__in=OPEN_STATUSES).order_by("id")
    desk_key = with_five.filter(organisation__teams=team).values_list("key", flat=True).first()
    portal_key = with_five.filter(organisation=organisation).values_list("key", flat=True).first()
    request_type = offered_request_types(organisation=organisation).prefetch_related("fields").order_by("id").first()
    floor_views.INSERT_LIKE = Ticket.objects.filter(organisation=organisation).order_by("id").first()
    form_data = submission(request_type, organisation)
    plans = {
        "desk queue": ("consultant", ("GET", "/desk/queues/team/"), ("GET", "/floor/queue/team/")),
        "desk ticket page": (
            "consultant",
            ("GET", f"/desk/tickets/{desk_key}/"),
            ("GET", f"/floor/desk-ticket/{desk_key}/"),
        ),
        "portal home": ("customer", ("GET", "/portal/"), ("GET", "/floor/portal/")),
        "portal request page": (
            "customer",
            ("GET", f"/portal/requests/{portal_key}/"),
            ("GET", f"/floor/portal/request/{portal_key}/"),
        ),
        "portal form": (
            "customer",
            ("GET", f"/portal/new/{request_type.slug}/"),
            ("GET", f"/floor/portal/new/{request_type.slug}/"),
        ),
        "portal submit": (
            "customer",
            ("POST", f"/portal/new/{request_type.slug}/"),
            ("POST", "/floor/portal/insert/"),
        ),
    }
    described = {
        "tickets": Ticket.objects.count(),
        "unfinished": Ticket.objects.filter(status__in=UNFINISHED_STATUSES).count(),
        "consultant": consultant.email,
        "team queue": Ticket.objects.filter(team=team, status__in=OPEN_STATUSES).count(),
        "customer admin": admin.email,
        "organisation": organisation.name,
        "organisation tickets": organisation.tickets.count(),
        "desk ticket": desk_key,
        "portal ticket": portal_key,
        "request type": request_type.slug,
    }
    return clients, plans, form_data, described


def _request(client, method: str, url: str, form_data: dict):
    if method == "POST":
        # A browser follows the redirect, whose page shows (and so removes) the "received" message; the test Client
        # does not, and would otherwise send every earlier message back in a growing cookie that the next response
        # re-encodes, trimming it to fit one message at a time (a third of a millisecond per post, and growing).
        client.cookies.pop("messages", None)
        # A fresh form token per post, as a browser sends it: the form de-duplicates a repeated one.
        return client.post(url, {**form_data, "submission": uuid.uuid4().hex})
    return client.get(url)


def _expected(method: str) -> int:
    return 302 if method == "POST" else 200


def worker() -> None:
    """Serve timing requests for the database this process's environment points at."""
    protocol = sys.stdout
    sys.stdout = sys.stderr  # anything the application prints must not corrupt the protocol
    sys.path.insert(0, str(BENCH))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients, plans, form_data, described = _prepare()

    def answer(payload: dict) -> None:
        protocol.write(json.dumps(payload) + "\n")
        protocol.flush()

    answer({"ready": described})
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "time":
            who, real, floor = plans[command["page"]]
            method, url = real if command["which"] == "real" else floor
            started = time.perf_counter()
            response = _request(clients[who], method, url, form_data)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != _expected(method):
                answer({"error": f"{method} {url} answered {response.status_code}"})
                continue
            answer({"ms": elapsed})
        elif command["op"] == "queries":
            counts = {}
            for page in command["pages"]:
                who, real, floor = plans[page]
                counts[page] = {}
                for which, (method, url) in (("real", real), ("floor", floor)):
                    # The first request of a process also loads what it keeps (the sidebar's counts, reference
                    # data); the second is what every later one runs.
                    for when in ("first", "later"):
                        with CaptureQueriesContext(connection) as captured:
                            _request(clients[who], method, url, form_data)
                        counts[page][which if when == "later" else f"{which}_first"] = len(captured)
            answer({"queries": counts})
        elif command["op"] == "finish":
            from django.db import DatabaseError, transaction
            from floor_views import FLOOR_TITLE

            from picocore.tickets.models import Ticket

            try:
                with transaction.atomic():
                    removed: int | str = Ticket.objects.filter(title=FLOOR_TITLE, events__isnull=True).delete()[0]
            except DatabaseError as error:
                # Deleting reads every table that refers to tickets; a database migrated before the newest of them
                # lacks it. The figures stand; the rows stay until the database is migrated (or seeded again).
                removed = f"not removed: {error}".splitlines()[0]
            answer({"removed": removed})
            return


# ---------------------------------------------------------------------------------------------------------------
# The coordinator.


class Worker:
    def __init__(self, label: str, spec: str) -> None:
        self.label = label
        if spec.startswith("sqlite:"):
            env = base_environment(spec.removeprefix("sqlite:"), "sqlite", "bench-floor-" + "x" * 40)
        else:
            env = base_environment(str(RESULTS / "floor-var"), "postgres", "bench-floor-" + "x" * 40)
            env["DATABASE_URL"] = spec
        # The production settings serve static files by their manifest: the checkout's, in the target's var/.
        manage(env, "collectstatic", "--noinput", "-v0")
        env["DJANGO_SETTINGS_MODULE"] = "floor_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(BENCH), str(ROOT)])
        self.process = subprocess.Popen(
            [PYTHON, __file__, "--worker"], env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.described = self.receive()["ready"]

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"The worker for {self.label} stopped (see its output above).")
        return json.loads(line)

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self.receive()
        if "error" in answer:
            raise SystemExit(f"{self.label}: {answer['error']}")
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", action="append", required=True, metavar="LABEL=URL|sqlite:DIR")
    parser.add_argument("--rounds", type=int, default=100, help="timed rounds (every page, every target)")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated subset of: " + ", ".join(PAGES))
    args = parser.parse_args()
    pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")

    workers = []
    for target in args.target:
        label, _, spec = target.partition("=")
        workers.append(Worker(label, spec))
        print(f"{label}: {json.dumps(workers[-1].described)}", flush=True)
    queries = {w.label: w.ask(op="queries", pages=pages)["queries"] for w in workers}
    samples = {w.label: {page: {"real": [], "floor": []} for page in pages} for w in workers}
    loads = [load()]
    started = time.perf_counter()
    for round_number in range(args.warm_up + args.rounds):
        order = ("real", "floor") if round_number % 2 == 0 else ("floor", "real")
        for page in pages:
            for w in workers:
                for which in order:
                    ms = w.ask(op="time", page=page, which=which)["ms"]
                    if round_number >= args.warm_up:
                        samples[w.label][page][which].append(ms)
        if round_number % 10 == 9:
            loads.append(load())
            print(f"round {round_number + 1}/{args.warm_up + args.rounds}, load {loads[-1]}", flush=True)
    seconds = time.perf_counter() - started
    removed = {w.label: w.ask(op="finish")["removed"] for w in workers}

    figures: dict = {}
    for w in workers:
        figures[w.label] = {}
        for page in pages:
            real, floor = (summary(samples[w.label][page][which]) for which in ("real", "floor"))
            pairs = zip(samples[w.label][page]["real"], samples[w.label][page]["floor"], strict=True)
            ratios = [r / f for r, f in pairs]
            figures[w.label][page] = {
                "real": real,
                "floor": floor,
                "ratio_median": round(real["median_ms"] / floor["median_ms"], 2),
                "ratio_p95": round(real["p95_ms"] / floor["p95_ms"], 2),
                "ratio_of_pairs_median": round(statistics.median(ratios), 2),
                "queries": queries[w.label][page],
            }
    base = workers[0].label
    for w in workers:
        for page in pages:
            figures[w.label][page]["growth_vs_" + base] = round(
                figures[w.label][page]["real"]["median_ms"] / figures[base][page]["real"]["median_ms"], 2
            )

    print(f"\n{'target':<12} {'page':<20} {'page ms med/p95':>16} {'floor ms med/p95':>17} {'ratio med/p95':>14} "
          f"{'growth':>7} {'queries':>8}")  # fmt: skip
    for w in workers:
        for page in pages:
            f = figures[w.label][page]
            print(f"{w.label:<12} {page:<20} {f['real']['median_ms']:>7.1f}/{f['real']['p95_ms']:<7.1f} "
                  f"{f['floor']['median_ms']:>8.1f}/{f['floor']['p95_ms']:<7.1f} "
                  f"{f['ratio_median']:>6.2f}/{f['ratio_p95']:<6.2f} {f['growth_vs_' + base]:>6.2f}x "
                  f"{f['queries']['real']:>3}/{f['queries']['floor']:<3}")  # fmt: skip
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rounds": args.rounds,
        "warm_up": args.warm_up,
        "seconds": round(seconds, 1),
        "targets": {w.label: w.described for w in workers},
        "load": loads,
        "figures": figures,
        "floor_rows_removed": removed,
        "samples": samples,
        "machine": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"floor-{stamp}.json", "floor-latest.json"):
        (RESULTS / name).write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nload average {loads[0]} → {loads[-1]}; {seconds:.0f} s; saved to bench/results/floor-{stamp}.json")
    for w in workers:
        w.process.wait(timeout=60)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
