"""Desk latency in-process (Django's test Client, no network): median and p95 per page and queries per page of
the consultants' desk: every queue, a deep page of the biggest queue (keyset cursor), a filtered queue, the
ticket page and the SLA compliance report.

    .venv/bin/python bench/desk.py --db postgres         # after bench/seed.py
    .venv/bin/python bench/desk.py --db sqlite --requests 50 --no-recompute

First runs `picocore sla_recompute` once against the benchmark database (timed, saved to
bench/results/sla-recompute-<db>.json), so that the seeded open tickets have SLA clocks and "Breaching soon"
has rows; `--no-recompute` skips it on later runs. Then `ANALYZE`, as autovacuum would after so many updated
rows (the development server runs without autovacuum); `--no-analyze` keeps the statistics as they are.

Signs in as the consultant of the seeded team "Operations (seeded)" with the most unfinished tickets, and as a
service manager the script creates once (`bench.manager@ops.picocore.example`) for the "All open" queue and
the SLA report. It also gives one open ticket a long timeline once, through the ticket services (replies of
both sides and internal notes, `--timeline-events`), because the seeded tickets have at most 9 events.

Runs the production settings (DEBUG off) against the database bench/seed.py left behind. Results go to
bench/results/desk-<db>.json, with the load average after each page and its slowest queries.
"""

import argparse
import os
import re
import subprocess
import time

from support import DATABASES, PYTHON, ROOT, machine, save, summary, target_environment, use_target

WARM_UP = 5
MANAGER_EMAIL = "bench.manager@ops.picocore.example"
TEXT_FILTER = "import"  # in many seeded titles: "… after the nightly import", "Price import rejects …"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def recompute(database: str) -> dict:
    """`picocore sla_recompute` in a child process with the benchmark environment, timed."""
    env = target_environment(database)
    before = load()
    started = time.perf_counter()
    completed = subprocess.run(
        [PYTHON, "-m", "picocore.cli", "sla_recompute"], env=env, cwd=ROOT, check=False, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if completed.returncode:
        print(completed.stdout)
        raise SystemExit(f"picocore sla_recompute failed with exit code {completed.returncode}")
    found = re.search(r"Recomputed the clocks of (\d+) ticket", completed.stdout)
    tickets = int(found.group(1)) if found else None
    result = {
        "command": "picocore sla_recompute",
        "tickets": tickets,
        "seconds": round(seconds, 1),
        "tickets_per_second": round(tickets / seconds, 1) if tickets else None,
        "load_before": before,
        "load_after": load(),
    }
    print(f"picocore sla_recompute: {tickets:,} tickets in {seconds:.1f} s ({result['tickets_per_second']}/s)")
    return result


def analyze() -> float:
    """Refresh the planner's statistics of the whole database; returns the seconds it took."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def timed(client, url: str, expect: int = 200) -> float:
    """One GET's latency in milliseconds; stops the benchmark on an unexpected status."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        raise SystemExit(f"GET {url} answered {response.status_code}, expected {expect}")
    return elapsed


def queries(client, url: str) -> tuple[int, list[dict]]:
    """The number of queries of one GET and the three slowest of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return len(captured), [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:600]} for q in slowest]


def measure(client, url: str, requests: int) -> dict:
    for _ in range(WARM_UP):
        timed(client, url)
    samples = [timed(client, url) for _ in range(requests)]
    count, slowest = queries(client, url)
    return {**summary(samples), "queries": count, "url": url, "load": load(), "slowest_queries": slowest}


def manager_user():
    """The benchmark's service manager, created once (he sees every organisation, as service managers do)."""
    from picocore.demo.data import DEMO_PASSWORD
    from picocore.tenancy.choices import StaffRole
    from picocore.tenancy.models import User

    manager = User.objects.filter(email=MANAGER_EMAIL).first()
    if manager is None:
        manager = User.objects.create_user(
            MANAGER_EMAIL, DEMO_PASSWORD, full_name="Bench Manager", staff_role=StaffRole.SERVICE_MANAGER
        )
    return manager


def long_timeline(ticket, consultant, events: int) -> int:
    """Give the ticket at least `events` timeline events through the ticket services (as the desk and the
    portal write them): consultant replies, customer replies and internal notes in turn. Returns the count."""
    from picocore.tickets.models import TicketEvent
    from picocore.tickets.services import ticket_add_note, ticket_reply

    have = TicketEvent.objects.filter(ticket=ticket).count()
    paragraph = (
        "We looked at the nightly import again: the supplier feed arrived at 02:14, the product images at 02:40, "
        "and the asset export failed on a changed folder permission. We have restored it and are watching the "
        "next run; please check the Frozen category tomorrow morning and tell us what you see.\n\n"
    )
    for n in range(have, events):
        turn = n % 3
        if turn == 0:
            ticket_reply(actor=consultant, ticket=ticket, body=f"Update {n}.\n\n" + paragraph * 2)
        elif turn == 1:
            ticket_reply(actor=ticket.requester, ticket=ticket, body=f"Thanks. Still seeing it ({n}).\n\n" + paragraph)
        else:
            ticket_add_note(actor=consultant, ticket=ticket, body=f"Note {n}: checked the export log; see above.")
    return TicketEvent.objects.filter(ticket=ticket).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=DATABASES, default="postgres")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    parser.add_argument("--deep", type=int, default=20, help="how many pages deep the deep queue page is")
    parser.add_argument("--timeline-events", type=int, default=120, help="events of the long-timeline ticket")
    parser.add_argument("--no-recompute", action="store_true", help="skip picocore sla_recompute")
    parser.add_argument("--no-analyze", action="store_true", help="keep the planner statistics as they are")
    args = parser.parse_args()
    results: dict = {"database": args.db, "requests": args.requests}
    if not args.no_recompute:
        print(f"Saved to {save(f'sla-recompute-{args.db}', {**recompute(args.db), 'machine_load': load()})}")
    use_target(args.db)
    if not args.no_analyze:
        results["analyze_seconds"] = analyze()

    from django.db.models import Count, Q
    from django.test import Client

    from picocore.demo.data import DEMO_PASSWORD
    from picocore.demo.seed import SEEDED_TEAM
    from picocore.sla.models import SlaClock
    from picocore.tenancy.models import Organisation, Team
    from picocore.tickets.choices import OPEN_STATUSES, UNFINISHED_STATUSES, Status
    from picocore.tickets.models import Ticket
    from picocore.tickets.queues import Filters, queue_counts, queue_page, queues_for

    team = Team.objects.get(name=SEEDED_TEAM)
    consultant = (
        team.members.annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=UNFINISHED_STATUSES)))
        .order_by("-n", "id")
        .first()
    )
    manager = manager_user()
    clients = {}
    for who, user in (("consultant", consultant), ("manager", manager)):
        clients[who] = Client()
        if not clients[who].login(email=user.email, password=DEMO_PASSWORD):
            raise SystemExit(f"Could not sign in as {user.email}")

    counts = queue_counts(actor=consultant)
    manager_counts = queue_counts(actor=manager)
    results.update(
        tickets=Ticket.objects.count(),
        unfinished=Ticket.objects.filter(status__in=UNFINISHED_STATUSES).count(),
        with_sla_due=Ticket.objects.filter(sla_due_at__isnull=False).count(),
        sla_clocks=SlaClock.objects.count(),
        consultant=consultant.email,
        manager=manager.email,
        queue_counts={**counts, "all": manager_counts["all"]},
        pages={},
    )
    print(f"{results['tickets']:,} tickets, {results['unfinished']:,} unfinished, {results['with_sla_due']:,} with an "
          f"SLA deadline; consultant {consultant.email}, queues {results['queue_counts']}")  # fmt: skip

    plan: list[tuple[str, str, str]] = []  # (name, who, url)
    for q in queues_for(consultant):
        plan.append((f"queue {q.slug} ({counts[q.slug]:,} tickets)", "consultant", f"/desk/queues/{q.slug}/"))
    plan.append((f"queue all ({manager_counts['all']:,} tickets, service manager)", "manager", "/desk/queues/all/"))

    # A deep page of the consultant's biggest queue: follow the keyset cursor as the "Next" link does.
    biggest = max(counts, key=counts.get)
    cursor, depth = None, 0
    while depth < args.deep:
        page = queue_page(actor=consultant, slug=biggest, filters=Filters(), sort="updated", cursor=cursor)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1
    plan.append(
        (f"queue {biggest}, page {depth + 1} (after {depth * 50:,} rows)", "consultant",
         f"/desk/queues/{biggest}/?after={cursor}")
    )  # fmt: skip

    # A filtered queue: the organisation with the most open tickets, its most frequent priority, and a text.
    organisation = (
        Organisation.objects.annotate(n=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)))
        .order_by("-n")
        .first()
    )
    priority = (
        Ticket.objects.filter(organisation=organisation, status__in=OPEN_STATUSES)
        .values("priority")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["priority"]
    )
    filters = Filters(organisation=organisation.pk, priority=priority, text=TEXT_FILTER)
    rows = len(queue_page(actor=consultant, slug="team", filters=filters, sort="updated", cursor=None).rows)
    plan.append(
        (f"queue team filtered (organisation, P{priority}, text \"{TEXT_FILTER}\": {rows} rows)", "consultant",
         f"/desk/queues/team/?organisation={organisation.pk}&priority={priority}&q={TEXT_FILTER}")
    )  # fmt: skip

    # The ticket page: an open ticket given a long timeline, and the seeded ticket with the most events.
    target = (
        Ticket.objects.filter(organisation=organisation, status=Status.IN_PROGRESS, assignee=consultant)
        .order_by("id")
        .first()
    )
    events = long_timeline(target, consultant, args.timeline_events)
    seeded = (
        Ticket.objects.filter(organisation__teams=team)
        .exclude(pk=target.pk)
        .annotate(n=Count("events"))
        .order_by("-n", "-id")
        .values_list("key", "n")
        .first()
    )
    plan.append((f"ticket page {seeded[0]} ({seeded[1]} events, the most of the seeded tickets)", "consultant",
                 f"/desk/tickets/{seeded[0]}/"))  # fmt: skip
    plan.append((f"ticket page {target.key} ({events} events)", "consultant", f"/desk/tickets/{target.key}/"))

    plan.append(("SLA report (default: last 6 months by organisation)", "manager", "/desk/reports/sla/"))
    first_ticket = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    plan.append(
        (f"SLA report (since {first_ticket:%Y-%m}, by month)", "manager",
         f"/desk/reports/sla/?from={first_ticket:%Y-%m}&group=month")
    )  # fmt: skip

    for name, who, url in plan:
        results["pages"][name] = {"as": who, **measure(clients[who], url, args.requests)}
        figures = results["pages"][name]
        print(f"{name:<72} {figures['median_ms']:>7.1f}ms {figures['p95_ms']:>7.1f}ms {figures['queries']:>4}q "
              f"load {figures['load']}")  # fmt: skip
    results["machine"] = machine()
    print(f"\nSaved to {save(f'desk-{args.db}', results)}")


if __name__ == "__main__":
    main()
