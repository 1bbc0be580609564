"""The change calendar for a year of changes: the desk's month page (every customer, as a service manager), the
desk's year agenda (the selector over a whole year), the portal's month page of the busiest customer and its
iCalendar feed, each against the bare query of the same rows, interleaved run by run; and the query count of
each at a tenth of the data and at all of it (it must not grow).

    .venv/bin/python bench/change_calendar.py [--db sqlite|postgres|both] [--changes 2400] [--customers 40]
        [--runs 30]

Named change_calendar.py, not calendar.py: a script's folder comes first on `sys.path`, so a bench/calendar.py
would stand in for the standard library's `calendar` that Django imports.

Each database is new and the script's own: SQLite in a temporary directory, PostgreSQL the database
`picocore_bench_changes` (PICOCORE_BENCH_CHANGES_POSTGRES to name another), dropped and created, migrated, then
filled with `--customers` organisations, ten consultants, and the changes spread over the year 2027 (two hours
each, on random days, 80 % scheduled or later, the rest awaiting approval or cancelled), a tenth of them first.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import support
from support import machine, save, summary

CHANGES_URL = os.environ.get(
    "PICOCORE_BENCH_CHANGES_POSTGRES", "postgres://postgres@127.0.0.1:5432/picocore_bench_changes"
)
YEAR = 2027
BUSY_MONTH = (YEAR, 3)


def _environment(database: str) -> dict[str, str]:
    var_dir = tempfile.mkdtemp(prefix=f"{support.TEMPORARY_PREFIX}changes-{database}-")
    if database == "postgres":
        name = support.postgres_database(CHANGES_URL)
        support.psql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"', server=CHANGES_URL)
    env = support.base_environment(var_dir, database, "bench-" + "k" * 50, CHANGES_URL)
    env["PICOCORE_LOG_LEVEL"] = "ERROR"
    return env


def _fill(rng: random.Random, *, customers: int, changes: int, start_number: int, organisations, people) -> None:
    from picocore.changes.choices import ChangeStatus as S
    from picocore.changes.choices import ChangeType
    from picocore.changes.models import Change

    statuses = [S.SCHEDULED] * 5 + [S.CLOSED] * 2 + [S.IMPLEMENTING, S.AWAITING_APPROVAL, S.CANCELLED]
    first = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(customers)]
    rows = []
    for n in range(changes):
        # Customers are not alike: by rank, as Zipf's law (the first has about a tenth of the changes).
        organisation = rng.choices(organisations, weights)[0]
        begin = first + dt.timedelta(days=rng.randrange(365), hours=rng.choice((6, 18, 20, 21, 22)))
        rows.append(
            Change(
                organisation=organisation,
                number=start_number + n,
                change_type=ChangeType.NORMAL,
                status=rng.choice(statuses),
                title=f"Upgrade component {n}",
                reason="Security fixes.",
                planned_start=begin,
                planned_end=begin + dt.timedelta(hours=2),
                downtime_minutes=rng.choice((0, 15)),
                requested_by=people["manager"],
                implementer=rng.choice(people["consultants"]),
            )
        )
    Change.objects.bulk_create(rows, batch_size=500)


def worker(args) -> None:
    """In the child process, with the database's environment: migrate, fill, measure."""
    sys.path.insert(0, str(support.ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    import zoneinfo

    from picocore.changes import calendar, feeds
    from picocore.changes.models import Change
    from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
    from picocore.tenancy.models import Membership, Organisation, Team, User

    rng = random.Random(1)
    organisations = [
        Organisation.objects.create(
            name=f"Customer {i:02d}", slug=f"customer-{i:02d}", key_prefix=f"C{i:02d}", time_zone="Europe/Copenhagen"
        )
        for i in range(args.customers)
    ]
    team = Team.objects.create(name="Operations", kind=TeamKind.OPERATIONS)
    team.organisations.set(organisations)
    manager = User.objects.create_user("manager@example.test", full_name="Mona Manager",
                                       staff_role=StaffRole.SERVICE_MANAGER)  # fmt: skip
    consultants = [
        User.objects.create_user(
            f"consultant{i}@example.test", full_name=f"Consultant {i}", staff_role=StaffRole.CONSULTANT
        )
        for i in range(10)
    ]
    team.members.set(consultants)
    admin = User.objects.create_user("admin@example.test", full_name="Customer Admin")
    Membership.objects.create(user=admin, organisation=organisations[0], role=MembershipRole.CUSTOMER_ADMIN)
    people = {"manager": manager, "consultants": consultants}
    tenth = args.changes // 10
    _fill(rng, customers=args.customers, changes=tenth, start_number=1, organisations=organisations, people=people)
    feed_token = feeds.organisation_feed_make(actor=manager, organisation_id=organisations[0].pk).token

    zone = zoneinfo.ZoneInfo("Europe/Copenhagen")
    month = calendar.month_period(*BUSY_MONTH, zone)
    year = calendar.year_period(dt.date(YEAR, 1, 1), zone)
    desk, portal = Client(), Client()
    desk.force_login(manager)
    portal.force_login(admin)
    desk_url, portal_url = reverse("desk:changes_calendar"), reverse("portal:changes")
    feed_url = reverse("changes_public:feed", args=[feed_token])
    params = {"month": f"{BUSY_MONTH[0]}-{BUSY_MONTH[1]:02d}"}

    def bare_month() -> int:
        rows = Change.objects.filter(planned_start__lt=month.end, planned_end__gt=month.start).order_by("planned_start")
        return len(list(rows.values_list("id", "title", "planned_start", "planned_end")))

    def bare_year() -> int:
        rows = Change.objects.filter(planned_start__lt=year.end, planned_end__gt=year.start).order_by("planned_start")
        return len(list(rows.values_list("id", "title", "planned_start", "planned_end")))

    def bare_customer() -> int:
        return len(list(Change.objects.filter(organisation=organisations[0]).values_list("id", "title")))

    def desk_page() -> int:
        response = desk.get(desk_url, params)
        assert response.status_code == 200, response.status_code
        return response.content.count(b'class="agenda-item')

    def portal_page() -> int:
        response = portal.get(portal_url, params)
        assert response.status_code == 200, response.status_code
        return response.content.count(b'class="agenda-item')

    def year_agenda() -> int:
        return len(calendar.desk_calendar(actor=User.objects.get(pk=manager.pk), period=year).changes)

    def feed() -> int:
        response = desk.get(feed_url)
        assert response.status_code == 200
        return response.content.count(b"BEGIN:VEVENT")

    measured = {"desk month page": desk_page, "desk year agenda (selector)": year_agenda,
                "portal month page (busiest customer)": portal_page, "feed of the busiest customer": feed,
                "bare: the month's rows": bare_month, "bare: the year's rows": bare_year,
                "bare: the busiest customer's rows": bare_customer}  # fmt: skip

    def counts() -> dict[str, dict[str, int]]:
        out = {}
        for name, work in measured.items():
            work()  # warm
            with CaptureQueriesContext(connection) as queries:
                rows = work()
            out[name] = {"queries": len(queries), "rows": rows}
        return out

    small = counts()
    _fill(rng, customers=args.customers, changes=args.changes - tenth, start_number=tenth + 1,
          organisations=organisations, people=people)  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    full = counts()
    samples: dict[str, list[float]] = {name: [] for name in measured}
    for _run in range(args.runs):
        for name, work in measured.items():  # interleaved: each run measures every one once, in turn
            started = time.perf_counter()
            work()
            samples[name].append((time.perf_counter() - started) * 1000)
    result = {
        "database": connection.vendor,
        "changes": Change.objects.count(),
        "customers": args.customers,
        "busiest customer's changes": Change.objects.filter(organisation=organisations[0]).count(),
        "month": params["month"],
        "at a tenth": small,
        "at all": full,
        "timings": {name: summary(values) for name, values in samples.items()},
        "machine": machine(),
    }
    print(json.dumps(result, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="both", choices=("sqlite", "postgres", "both"))
    parser.add_argument("--changes", type=int, default=2400)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    results = {}
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        env = _environment(database)
        completed = subprocess.run(
            [support.PYTHON, __file__, "--worker", "--changes", str(args.changes), "--customers",
             str(args.customers), "--runs", str(args.runs)],
            env=env, cwd=support.ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if completed.returncode:
            sys.exit(completed.stderr[-4000:])
        results[database] = json.loads(completed.stdout.strip().splitlines()[-1])
        print(json.dumps(results[database], indent=2))
    path = save("change-calendar", results)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
