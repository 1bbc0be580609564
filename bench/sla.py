"""The SLA engine at a million tickets on PostgreSQL: the sweep's idle pass and its pass with 1 % due, and
`sla_recompute`, new against the baseline.

    .venv/bin/python bench/sla.py build [--tickets 1000000]    # drops and creates picocore_sla_1m
    .venv/bin/python bench/sla.py sweep [--passes 300]          # idle passes, then 10,000 due clocks
    .venv/bin/python bench/sla.py recompute [--base-code DIR] [--base-tickets 3000] [--template DB]

`build` makes its own database (`PICOCORE_SLA_DATABASE`, default picocore_sla_1m): migrations, 40 customers
through `picocore seed` (contracts on the demo tiers), four business-hours calendars, then the tickets, one
`created` event each and their clocks with INSERT … SELECT generate_series (the ORM would take an hour). Every
ticket is open with running clocks: the resolution clock of each (paused for 5 %, breached and recorded for 3 %,
warned and recorded for 20 %), the first response stopped by a reply for 70 % (with its warning moment passed and
never recorded, as happens to every clock answered in time) and running for the rest, and the next update
running for the replied ones. Nothing is due at the build moment plus a day.

`sweep` times `sla_sweep()` in-process over ≥ 200 idle passes (median, p95), prints the EXPLAIN (ANALYZE,
BUFFERS) of its one idle statement and of its three claims, then makes exactly 10,000 clocks due (5,000
warnings, 5,000 breaches of clocks warned earlier), times the one pass that records them all and the idle pass
after it, and the notice tasks the pass enqueued (run in-process, as the worker would, bounded in time).

`recompute` copies a seeded database (`--template`, default picocore_bench_1m; its copies are named after
`PICOCORE_SLA_DATABASE`: <name>_copy, <name>_copy_base) and times the whole `picocore sla_recompute` on it: with a
template that has no clocks yet, the first run, which creates every clock. With `--base-code` (a checkout of an
older revision) it first times that revision's one-ticket-at-a-time recompute and this tree's batched one over the
same first `--base-tickets` unfinished tickets, each on its own copy.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import PYTHON, ROOT, base_environment, machine, psql, save, summary

DATABASE = os.environ.get("PICOCORE_SLA_DATABASE", "picocore_sla_1m")
SHARED = "picocore_bench_1m"
# The copies `recompute` makes of its template, named after this benchmark's database so that two runs with their
# own PICOCORE_SLA_DATABASE never drop each other's.
COPIES = (f"{DATABASE}_copy", f"{DATABASE}_copy_base")
HOST = "postgres://postgres@127.0.0.1:5432"


def environment(database: str) -> dict[str, str]:
    env = base_environment(str(Path(tempfile.gettempdir()) / "picocore-bench-sla"), "postgres", "bench-" + "x" * 50)
    env["DATABASE_URL"] = f"{HOST}/{database}"
    return env


def setup(database: str) -> None:
    os.environ.clear()
    os.environ.update(environment(database))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def sql(statement: str, params: tuple = ()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


# ---------------------------------------------------------------------------------------------------- build

CALENDARS = [
    ("Copenhagen office (bench)", "Europe/Copenhagen", "DK", 8, 16),
    ("Stockholm office (bench)", "Europe/Stockholm", "SE", 9, 17),
    ("New York office (bench)", "America/New_York", "US", 9, 17),
    ("Tokyo office (bench)", "Asia/Tokyo", "JP", 9, 18),
]

TICKETS_SQL = """
INSERT INTO tickets_ticket (organisation_id, number, key, ticket_type, request_type_id, title, description, answers,
    requester_id, impact, urgency, priority, priority_reason, status, team_id, next_step, channel, created_at,
    updated_at, sla_paused)
SELECT o.org_id, g / %(orgs)s + 1, o.key_prefix || '-' || (g / %(orgs)s + 1), 'incident', o.request_type_id,
    'Bench ticket ' || g, 'Generated for the SLA benchmark.', '[]'::jsonb, o.requester_id, 'medium', 'medium',
    CASE WHEN g %% 50 = 0 THEN 1 WHEN g %% 50 < 10 THEN 2 WHEN g %% 50 < 35 THEN 3 ELSE 4 END, '',
    CASE WHEN (g * 7919) %% 100 < 5 THEN 'waiting_on_customer' WHEN (g * 7919) %% 100 < 20 THEN 'new'
         ELSE 'in_progress' END,
    %(team)s, '', 'web', %(moment)s - make_interval(mins => (1 + (g * 37) %% 20000)::int),
    %(moment)s - make_interval(mins => ((g * 37) %% 20000 / 2)::int), (g * 7919) %% 100 < 5
FROM generate_series(0::bigint, %(tickets)s - 1) AS g JOIN bench_org o ON o.slot = g %% %(orgs)s
"""

EVENTS_SQL = """
INSERT INTO tickets_ticketevent (ticket_id, organisation_id, kind, public, actor_id, body, data, created_at)
SELECT id, organisation_id, 'created', true, requester_id, '', '{}'::jsonb, created_at FROM tickets_ticket
"""

# One clock per ticket and metric, its state chosen by the ticket id: see the module's docstring.
CLOCKS_SQL = """
INSERT INTO sla_slaclock (ticket_id, organisation_id, metric, target_seconds, clock, started_at, due_at, warn_at,
    paused_since, stopped_at, stopped_by, breached_at, elapsed_seconds, computed_at, warning_recorded_at,
    breach_recorded_at)
SELECT t.id, t.organisation_id, 'resolution', 57600, 'business', t.created_at,
    CASE WHEN t.sla_paused THEN NULL WHEN t.id %% 100 < 3 THEN t.created_at + interval '16 hours'
         ELSE %(moment)s + interval '1 day' + make_interval(mins => ((t.id * 13) %% 50000)::int) END,
    CASE WHEN t.id %% 100 < 23 THEN t.created_at + interval '12 hours'
         ELSE %(moment)s + interval '20 hours' + make_interval(mins => ((t.id * 13) %% 50000)::int) END,
    CASE WHEN t.sla_paused THEN t.created_at + interval '2 hours' END, NULL, '',
    CASE WHEN t.id %% 100 < 3 THEN t.created_at + interval '16 hours' END, 3600, %(moment)s,
    CASE WHEN t.id %% 100 < 23 THEN t.created_at + interval '12 hours' END,
    CASE WHEN t.id %% 100 < 3 THEN t.created_at + interval '16 hours 1 minute' END
FROM tickets_ticket t
UNION ALL
SELECT t.id, t.organisation_id, 'first_response', 7200, 'business', t.created_at,
    CASE WHEN (t.id * 31) %% 10 < 7 THEN NULL
         ELSE %(moment)s + interval '1 day' + make_interval(mins => ((t.id * 17) %% 30000)::int) END,
    CASE WHEN (t.id * 31) %% 10 < 7 THEN t.created_at + interval '90 minutes'
         ELSE %(moment)s + interval '1410 minutes' + make_interval(mins => ((t.id * 17) %% 30000)::int) END,
    NULL, CASE WHEN (t.id * 31) %% 10 < 7 THEN t.created_at + interval '30 minutes' END,
    CASE WHEN (t.id * 31) %% 10 < 7 THEN 'reply' ELSE '' END, NULL, 1800, %(moment)s, NULL, NULL
FROM tickets_ticket t
UNION ALL
SELECT t.id, t.organisation_id, 'next_update', 14400, 'business', t.created_at + interval '30 minutes',
    %(moment)s + interval '1 day' + make_interval(mins => ((t.id * 19) %% 40000)::int),
    %(moment)s + interval '1 day' + make_interval(mins => ((t.id * 19) %% 40000)::int) - interval '1 hour',
    NULL, NULL, '', NULL, 600, %(moment)s, NULL, NULL
FROM tickets_ticket t WHERE (t.id * 31) %% 10 < 7 AND NOT t.sla_paused
"""

SUMMARY_SQL = """
UPDATE tickets_ticket t SET sla_due_at = c.due, sla_warn_at = c.warn, sla_soon_at = c.warn
FROM (SELECT ticket_id, min(due_at) AS due, min(warn_at) FILTER (WHERE due_at IS NOT NULL) AS warn
      FROM sla_slaclock GROUP BY ticket_id) c
WHERE c.ticket_id = t.id
"""


def build(tickets: int, customers: int) -> None:
    started = time.perf_counter()
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}"', f'CREATE DATABASE "{DATABASE}"')
    env = environment(DATABASE)
    for args in (["migrate", "-v0"], ["seed", "--customers", str(customers), "--tickets", "0", "--seed", "1"]):
        subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)
    setup(DATABASE)
    import datetime as dt

    from django.db import transaction

    from picocore.contracts.models import Contract
    from picocore.core.clock import now
    from picocore.sla.models import BusinessHoursCalendar, CalendarInterval
    from picocore.tenancy.models import Team

    moment = now()
    steps: dict[str, float] = {}
    with transaction.atomic():
        calendars = []
        for name, zone, country, opens, closes in CALENDARS:
            calendar = BusinessHoursCalendar.objects.create(name=name, time_zone=zone, country=country)
            CalendarInterval.objects.bulk_create(
                CalendarInterval(calendar=calendar, weekday=day, starts=dt.time(opens), ends=dt.time(closes))
                for day in range(5)
            )
            calendars.append(calendar)
        for index, contract in enumerate(Contract.objects.order_by("id")):
            contract.calendar = None if index % 5 == 4 else calendars[index % 4]  # every fifth around the clock
            contract.save(update_fields=["calendar"])
        team = Team.objects.order_by("id").values_list("id", flat=True).first()
        sql("""
            CREATE TEMP TABLE bench_org AS
            SELECT row_number() OVER (ORDER BY o.id) - 1 AS slot, o.id AS org_id, o.key_prefix,
                   (SELECT m.user_id FROM tenancy_membership m WHERE m.organisation_id = o.id ORDER BY m.id LIMIT 1)
                       AS requester_id,
                   (SELECT r.id FROM catalog_requesttype r ORDER BY r.id LIMIT 1) AS request_type_id
            FROM tenancy_organisation o
            WHERE EXISTS (SELECT 1 FROM tenancy_membership m WHERE m.organisation_id = o.id)
              AND NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.organisation_id = o.id)
        """)  # fmt: skip
        orgs = sql("SELECT count(*) FROM bench_org")[0][0]
        params = {"orgs": orgs, "team": team, "moment": moment, "tickets": tickets}
        for name, statement in (("tickets", TICKETS_SQL), ("events", EVENTS_SQL), ("clocks", CLOCKS_SQL),
                                ("ticket SLA columns", SUMMARY_SQL)):  # fmt: skip
            step = time.perf_counter()
            sql(statement, params)  # type: ignore[arg-type]
            steps[name] = round(time.perf_counter() - step, 1)
            print(f"{name}: {steps[name]} s", flush=True)
    step = time.perf_counter()
    from django.db import connection

    connection.cursor().execute("VACUUM ANALYZE")  # statistics and the visibility map, as autovacuum would
    steps["vacuum analyze"] = round(time.perf_counter() - step, 1)
    counts = dict(sql("SELECT metric, count(*) FROM sla_slaclock GROUP BY metric"))
    result = {
        "database": DATABASE,
        "tickets": sql("SELECT count(*) FROM tickets_ticket")[0][0],
        "organisations": orgs,
        "clocks": counts,
        "running_clocks": sql("SELECT count(*) FROM sla_slaclock WHERE due_at IS NOT NULL")[0][0],
        "built_at": moment.isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "steps": steps,
        "machine": machine(),
    }
    print(json.dumps(result, indent=2, default=str))
    save("sla-build", result)


# ---------------------------------------------------------------------------------------------------- sweep


def explain() -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the three EXISTS of the idle pass's one statement and of the three claims a
    pass with something due sends, as the sweep writes them, at the current moment."""
    from django.db import connection, transaction

    from picocore.core.clock import now
    from picocore.sla import sweep

    moment = now()
    warning, overdue, unrecorded = sweep._looks(moment)
    looks = zip((warning, overdue, unrecorded), sweep.ORDERS, strict=True)
    queries = [sweep.SlaClock.objects.filter(look).order_by(order).values("id")[:1] for look, order in looks]
    for condition, order in ((warning, "warn_at"), (overdue, "due_at"), (unrecorded, "breached_at")):
        clocks = sweep.SlaClock.objects.filter(condition).only(*sweep.CLAIMED_FIELDS)
        queries.append(clocks.select_for_update(skip_locked=True).order_by(order, "id")[: sweep.BATCH])
    plans = []
    for queryset in queries:
        with transaction.atomic():  # FOR UPDATE is written only inside a transaction
            text, params = queryset.query.get_compiler(connection=connection).as_sql()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def sweep_bench(passes: int, notice_seconds: float) -> None:
    setup(DATABASE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from picocore.core.clock import now
    from picocore.sla.sweep import sla_sweep
    from picocore.sla.tasks import notify_sla_records

    open_tickets = sql("SELECT count(*) FROM tickets_ticket WHERE status IN ('new', 'in_progress', "
                       "'waiting_on_customer')")[0][0]  # fmt: skip
    running = sql("SELECT count(*) FROM sla_slaclock WHERE due_at IS NOT NULL")[0][0]
    for _ in range(20):  # warm-up: connection, caches
        assert sla_sweep() == (0, 0), "something is due: run `bench/sla.py build` again"
    idle_load_before = load()
    samples, cpu = [], []
    for _ in range(passes):
        started, started_cpu = time.perf_counter(), time.process_time()
        outcome = sla_sweep()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert outcome == (0, 0)
    with CaptureQueriesContext(connection) as queries:
        sla_sweep()
    idle = {
        "passes": summary(samples),
        "this process's CPU per pass (median ms)": round(statistics.median(cpu), 2),
        "queries": len(queries),
        "load average": f"{idle_load_before} → {load()}",
    }
    print(f"idle pass at {open_tickets:,} open tickets, {running:,} running clocks: {json.dumps(idle)}", flush=True)
    plans = explain()
    for plan in plans:
        print(plan, "\n", flush=True)

    # Exactly 1 %: 5,000 warnings (running, not yet warned) and 5,000 breaches (warned earlier, now overdue).
    moment = now()
    sql("""
        UPDATE sla_slaclock SET warn_at = %(m)s - interval '5 minutes'
        WHERE id IN (SELECT id FROM sla_slaclock WHERE metric = 'resolution' AND due_at IS NOT NULL
                     AND warning_recorded_at IS NULL AND breach_recorded_at IS NULL ORDER BY id LIMIT 5000)
    """, {"m": moment})  # fmt: skip
    sql("""
        UPDATE sla_slaclock SET due_at = %(m)s - interval '1 minute', warn_at = %(m)s - interval '2 hours',
               warning_recorded_at = %(m)s - interval '1 hour'
        WHERE id IN (SELECT id FROM sla_slaclock WHERE metric = 'next_update' AND due_at IS NOT NULL
                     AND warning_recorded_at IS NULL AND breach_recorded_at IS NULL ORDER BY id DESC LIMIT 5000)
    """, {"m": moment})  # fmt: skip
    tasks_before = sql("SELECT count(*) FROM django_tasks_database_dbtaskresult")[0][0]
    due_load_before = load()
    with CaptureQueriesContext(connection) as queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        recorded = sla_sweep()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    after = []
    for _ in range(20):
        started = time.perf_counter()
        assert sla_sweep() == (0, 0)
        after.append((time.perf_counter() - started) * 1000)
    due = {
        "recorded (warnings, breaches)": recorded,
        "seconds": round(seconds, 3),
        "this process's CPU seconds": round(cpu_seconds, 3),
        "queries": len(queries),
        "load average": f"{due_load_before} → {load()}",
        "idle pass after it": summary(after),
    }
    print(f"1 % due: {json.dumps(due)}", flush=True)

    # The notices: run the enqueued tasks in-process, as the worker would, for at most `notice_seconds`.
    rows = sql(
        "SELECT args_kwargs FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s ORDER BY enqueued_at "
        "OFFSET %s",
        ("%notify_sla_records", tasks_before),
    )
    started, done_records, told = time.perf_counter(), 0, 0
    for (args_kwargs,) in rows:
        if time.perf_counter() - started > notice_seconds:
            break
        records = (json.loads(args_kwargs) if isinstance(args_kwargs, str) else args_kwargs)["args"][0]
        told += notify_sla_records.call(records)
        done_records += len(records)
    notices_seconds = time.perf_counter() - started
    notices = {
        "tasks": len(rows),
        "records notified": done_records,
        "notifications": told,
        "seconds": round(notices_seconds, 1),
        "records per second": round(done_records / notices_seconds, 1) if notices_seconds else None,
        "load average": load(),
    }
    print(f"notices: {json.dumps(notices)}", flush=True)
    save(
        "sla-sweep",
        {"open_tickets": open_tickets, "running_clocks": running, "idle": idle, "explain": plans, "due": due,
         "notices": notices, "machine": machine()},
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------- recompute


def copy(template: str, name: str) -> None:
    for attempt in range(30):
        try:
            psql(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except subprocess.CalledProcessError as error:
            if "being accessed by other users" not in (error.stderr or "") or attempt == 29:
                raise
            time.sleep(10)


CHILD = """
import json, os, sys, time
sys.path.insert(0, os.environ["BENCH_CODE"])
import django
django.setup()
from picocore.tickets.choices import UNFINISHED_STATUSES
from picocore.tickets.models import Ticket
limit = int(os.environ["BENCH_LIMIT"]) or None
ids = list(Ticket.objects.filter(status__in=UNFINISHED_STATUSES).order_by("pk").values_list("pk", flat=True)[:limit])
load = os.getloadavg()
started = time.perf_counter()
if os.environ["BENCH_MODE"] == "batch":
    from picocore.sla.batch import recompute_unfinished
    count = recompute_unfinished(Ticket.objects.filter(pk__in=ids) if limit else Ticket.objects.all())
else:
    from picocore.sla.services import sla_recompute
    count = 0
    for ticket in Ticket.objects.filter(pk__in=ids).select_related("organisation").order_by("pk").iterator(500):
        sla_recompute(ticket=ticket)
        count += 1
seconds = time.perf_counter() - started
print(json.dumps({"tickets": count, "seconds": round(seconds, 1), "tickets_per_second": round(count / seconds, 1),
                  "load average": " ".join(f"{v:.2f}" for v in load) + " → "
                  + " ".join(f"{v:.2f}" for v in os.getloadavg())}))
"""


def child(database: str, code: Path, mode: str, limit: int) -> dict:
    env = environment(database)
    env.update(BENCH_CODE=str(code), BENCH_MODE=mode, BENCH_LIMIT=str(limit), PYTHONPATH=str(code))
    completed = subprocess.run([PYTHON, "-c", CHILD], env=env, cwd=code, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def recompute_bench(base_code: Path | None, base_tickets: int, template: str) -> None:
    if template not in psql("SELECT datname FROM pg_database").splitlines():
        sys.exit(f"{template} does not exist yet (see /work/tmp/bench-dbs.md)")
    for name in COPIES if base_code is not None else COPIES[:1]:
        copy(template, name)
    new_db, base_db = COPIES
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "-v0"], env=environment(new_db), cwd=ROOT, check=True)
    counting = "SELECT count(*) FROM tickets_ticket WHERE status NOT IN ('closed', 'cancelled')"
    unfinished = psql(counting, database=new_db)
    results = {"database": template, "unfinished": int(unfinished), "machine": machine()}
    if base_code is not None:
        # Interleaved on the same first tickets, then the whole run of the new code.
        results["baseline, first tickets"] = child(base_db, base_code, "one-by-one", base_tickets)
        print("baseline:", results["baseline, first tickets"], flush=True)
        results["new, same first tickets"] = child(new_db, ROOT, "batch", base_tickets)
        print("new, same tickets:", results["new, same first tickets"], flush=True)
        copy(template, new_db)
        migrate = [PYTHON, str(ROOT / "manage.py"), "migrate", "-v0"]
        subprocess.run(migrate, env=environment(new_db), cwd=ROOT, check=True)
    psql(f'DROP DATABASE IF EXISTS "{base_db}"')
    load_before = load()
    started = time.perf_counter()
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "sla_recompute"], env=environment(new_db), cwd=ROOT, check=True)
    wall = time.perf_counter() - started
    results["new, whole command (wall, with start-up and ANALYZE)"] = {
        "tickets": int(unfinished), "seconds": round(wall, 1), "tickets_per_second": round(int(unfinished) / wall, 1),
        "load average": f"{load_before} → {load()}",
    }  # fmt: skip
    print("new, whole:", results["new, whole command (wall, with start-up and ANALYZE)"], flush=True)
    tasks = psql("SELECT count(*) FROM django_tasks_database_dbtaskresult", database=new_db)
    breaches = psql("SELECT count(*) FROM tickets_ticketevent WHERE kind = 'sla_breach'", database=new_db)
    results["breaches recorded"], results["notice tasks enqueued"] = int(breaches), int(tasks)
    save("sla-recompute", results)
    print(json.dumps(results, indent=2, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    built = commands.add_parser("build")
    built.add_argument("--tickets", type=int, default=1_000_000)
    built.add_argument("--customers", type=int, default=40)
    swept = commands.add_parser("sweep")
    swept.add_argument("--passes", type=int, default=300)
    swept.add_argument("--notice-seconds", type=float, default=120.0)
    recomputed = commands.add_parser("recompute")
    recomputed.add_argument("--base-code", type=Path, help="a checkout of the baseline revision (optional)")
    recomputed.add_argument("--base-tickets", type=int, default=3000)
    recomputed.add_argument("--template", default=SHARED, help=f"the seeded database to copy (default {SHARED})")
    args = parser.parse_args()
    if args.command == "build":
        build(args.tickets, args.customers)
    elif args.command == "sweep":
        sweep_bench(args.passes, args.notice_seconds)
    else:
        recompute_bench(args.base_code.resolve() if args.base_code else None, args.base_tickets, args.template)


if __name__ == "__main__":
    main()
