"""Counts on every page, before and after, interleaved: the desk queue's sidebar counts and the portal home's
status counts, and the pages that show them, timed in-process against one PostgreSQL (or SQLite) database by
two checkouts of the code in turn (A B A B …), so that both see the same load.

    .venv/bin/python bench/counts.py --database-url postgres://postgres@127.0.0.1:5432/picocore_counts_b100k \\
        --before /tmp/base --after . --rounds 10 --requests 10

`--before` and `--after` are checkouts (e.g. `git archive c646ccd | tar -x -C /tmp/base`); each round starts one
child process per checkout (its `picocore` first on `sys.path`, this virtualenv's packages), which times
`--requests` calls of each measurement after two warm-up calls. The sidebar's cache is cleared before every
call, so the page pays for its counts each time (otherwise it would count twice a minute per consultant).
Measured as the consultant of "Operations (seeded)" with the most open tickets assigned ("My teams' open"
queue) and the customer admin of the organisation with the most tickets (whole organisation and only mine).
Prints medians and p95 per checkout and the after/before ratio of the medians; writes
bench/results/counts-<database>.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(checkout: str, requests: int) -> dict[str, list[float]]:
    sys.path.insert(0, checkout)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from picocore.tenancy.choices import MembershipRole
    from picocore.tenancy.models import Membership, Organisation, Team, User
    from picocore.tickets.choices import OPEN_STATUSES
    from picocore.tickets.queues import queue_counts, saved_views_for
    from picocore.tickets.selectors import portal_status_counts

    team = Team.objects.get(name="Operations (seeded)")
    consultant = (
        User.objects.filter(teams=team)
        .annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("-n", "pk")
        .first()
    )
    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n", "pk").first()
    admin = Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN).first().user
    desk, portal = Client(), Client()
    desk.force_login(consultant)
    portal.force_login(admin)
    session = portal.session
    session["portal_organisation_id"] = organisation.pk
    session.save()
    views = saved_views_for(consultant)

    def page(client: Client, url: str) -> None:
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    measurements = {
        "queue counts (function)": lambda: queue_counts(actor=consultant, views=views),
        "desk team queue page": lambda: page(desk, "/desk/queues/team/"),
        "portal status counts, whole organisation (function)": lambda: portal_status_counts(
            actor=admin, organisation=organisation, whole_organisation=True
        ),
        "portal status counts, only mine (function)": lambda: portal_status_counts(
            actor=admin, organisation=organisation, whole_organisation=False
        ),
        "portal home page": lambda: page(portal, "/portal/"),
        "portal home page, only mine": lambda: page(portal, "/portal/?show=mine"),
    }
    samples: dict[str, list[float]] = {}
    if connection.vendor == "postgresql":
        # The count queries' own time in the server (planning and execution, from EXPLAIN ANALYZE): what the
        # data size changes, without the process's share of a loaded machine's CPU.
        for name, measure in list(measurements.items()):
            if "(function)" not in name:
                continue
            with CaptureQueriesContext(connection) as captured:
                measure()
            server = []
            for _ in range(requests + 2):
                total = 0.0
                for query in captured.captured_queries:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                        plan = cursor.fetchone()[0]
                        plan = json.loads(plan) if isinstance(plan, str) else plan
                        total += plan[0]["Planning Time"] + plan[0]["Execution Time"]
                server.append(total)
            samples[name.replace("(function)", "(query in the server)")] = server[2:]
    for name, measure in measurements.items():
        for _ in range(2):
            measure()
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            measure()
            times.append((time.perf_counter() - started) * 1000)
        samples[name] = times
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--before", required=True, help="checkout of the code before")
    parser.add_argument("--after", default=str(HERE.parent), help="checkout of the code after")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.requests)))
        return
    checkouts = {"before": str(Path(args.before).resolve()), "after": str(Path(args.after).resolve())}
    env = {key: value for key, value in os.environ.items() if key not in {"PICOCORE_DEMO"}}
    env.update(
        DJANGO_SETTINGS_MODULE="picocore.config.settings",
        DATABASE_URL=args.database_url,
        SECRET_KEY="bench-counts-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        PICOCORE_HTTPS="0",
        PICOCORE_LOG_LEVEL="WARNING",
    )
    var_dirs = {}
    for label, checkout in checkouts.items():  # each checkout's own static files manifest
        var_dirs[label] = tempfile.mkdtemp(prefix=f"counts-{label}-")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=checkout,
            env={**env, "PICOCORE_VAR_DIR": var_dirs[label], "PYTHONPATH": checkout},
            check=True,
        )
    collected: dict[str, dict[str, list[float]]] = {label: {} for label in checkouts}
    loads = []
    for round_number in range(args.rounds):
        for label, checkout in checkouts.items():
            output = subprocess.run(
                [sys.executable, __file__, "--database-url", args.database_url, "--before", args.before,
                 "--child", checkout, "--requests", str(args.requests)],
                cwd=checkout, env={**env, "PICOCORE_VAR_DIR": var_dirs[label], "PYTHONPATH": checkout},
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            for name, times in json.loads(output.splitlines()[-1]).items():
                collected[label].setdefault(name, []).extend(times)
        loads.append(" ".join(f"{value:.2f}" for value in os.getloadavg()))
        print(f"round {round_number + 1}/{args.rounds}, load {loads[-1]}", file=sys.stderr)
    results = {}
    print("| measurement | before median / p95 | after median / p95 | after / before (median) |")
    print("|---|---:|---:|---:|")
    for name in collected["before"]:
        before, after = collected["before"][name], collected["after"][name]
        row = {
            "before_median": statistics.median(before),
            "before_p95": p95(before),
            "after_median": statistics.median(after),
            "after_p95": p95(after),
        }
        row["ratio"] = row["after_median"] / row["before_median"]
        results[name] = row
        print(
            f"| {name} | {row['before_median']:.2f} / {row['before_p95']:.2f} ms | "
            f"{row['after_median']:.2f} / {row['after_p95']:.2f} ms | {row['ratio']:.2f} |"
        )
    print(f"load averages after each round: {'; '.join(loads)}")
    database = args.database_url.rsplit("/", 1)[-1]
    out = HERE / "results" / f"counts-{database}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"results": results, "loads": loads, "samples": collected}, indent=1))


if __name__ == "__main__":
    main()
