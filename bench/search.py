"""Full-text search at size, in-process (Django's test Client, no network): the desk's search page, the desk's
queue text filter and the portal's suggestions while typing, each interleaved with its bare selector call (the
same search without the page: what the page adds), median and p95; then the index rebuild rate.

    .venv/bin/python bench/search.py --db postgres-100k        # after bench/seed.py --db postgres
    .venv/bin/python bench/search.py --db postgres-1m --rebuild-tables tickets_ticket

Runs the production settings (DEBUG off) against a database bench/seed.py seeded (migrated first: a database
seeded before the search existed gets its indexes). Signs in as the seeded team's consultant (the desk search
reads every customer the team serves), a service manager for the "All open" queue, and the customer admin of
the organisation with the most tickets for the suggestions (their organisation's finished requests).
Results go to bench/results/search-<db>.json with the load average after each measurement.
"""

import argparse
import os
import re
import subprocess
import time

from support import PYTHON, ROOT, machine, manage, save, summary, target_environment, use_target

WARM_UP = 3
# What people type: a word in many titles, a rarer name, a phrase, a typo only forgiving finds, two words.
DESK_SEARCHES = ["import", "Hallberg", '"nightly import"', "improt", "webshop images"]
# A title typed on: what the form's script sends after each pause.
TYPED_TITLE = ["Pri", "Price imp", "Price import rejects", "Price import rejects products from Hallberg"]


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def interleaved(page, bare, rounds: int) -> dict:
    """`page` and `bare` called in turn `rounds` times after a warm-up; both timings and their ratio."""
    for _ in range(WARM_UP):
        page()
        bare()
    pages, bares = [], []
    for _ in range(rounds):
        for call, samples in ((page, pages), (bare, bares)):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    page_summary, bare_summary = summary(pages), summary(bares)
    return {
        "page": page_summary,
        "bare": bare_summary,
        "ratio_median": round(page_summary["median_ms"] / bare_summary["median_ms"], 2),
        "load": load(),
    }


def queries(client, method: str, url: str, data: dict | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        getattr(client, method)(url, data or {})
    return len(captured)


def rebuild(database: str, tables: list[str]) -> dict:
    """`picocore search_rebuild` in a child process, timed; rows per second."""
    env = target_environment(database)
    args = [PYTHON, "-m", "picocore.cli", "search_rebuild"]
    for table in tables:
        args += ["--table", table]
    before = load()
    started = time.perf_counter()
    completed = subprocess.run(args, env=env, cwd=ROOT, check=False, text=True, capture_output=True)
    seconds = time.perf_counter() - started
    if completed.returncode:
        raise SystemExit(f"search_rebuild failed: {completed.stdout}{completed.stderr}")
    rows = int(re.search(r"Indexed (\d+) row", completed.stdout).group(1))
    return {
        "tables": tables or "all",
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "load_before": before,
        "load_after": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres-100k", help="a target of bench/results/targets.json")
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per measurement")
    parser.add_argument("--rebuild-tables", action="append", default=None, help="rebuild only these (repeatable)")
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--only", choices=("desk", "queue", "suggestions"), action="append", default=None,
                        help="measure only these parts (repeatable; all of them without it)")  # fmt: skip
    args = parser.parse_args()
    # A database seeded before the search existed gets its indexes; the static files (a temporary directory
    # another seed may have removed) are collected again.
    manage(target_environment(args.db), "migrate", "--no-input", "-v0")
    manage(target_environment(args.db), "collectstatic", "--no-input", "-v0")
    results: dict = {"database": args.db, "rounds": args.rounds, "machine": machine()}
    if not args.no_rebuild:
        results["rebuild"] = rebuild(args.db, args.rebuild_tables or [])
        print(f"rebuild: {results['rebuild']}")
    use_target(args.db)

    from desk import manager_user  # bench/desk.py's service manager, made once
    from django.db.models import Count, Q
    from django.test import Client

    from picocore.demo.seed import SEEDED_TEAM
    from picocore.search.selectors import desk_search
    from picocore.search.suggestions import portal_suggestions
    from picocore.tenancy.choices import MembershipRole
    from picocore.tenancy.models import Membership, Organisation, Team
    from picocore.tickets.choices import UNFINISHED_STATUSES
    from picocore.tickets.models import Ticket
    from picocore.tickets.queues import Filters, queue_page

    team = Team.objects.get(name=SEEDED_TEAM)
    consultant = (
        team.members.annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=UNFINISHED_STATUSES)))
        .order_by("-n", "id")
        .first()
    )
    manager = manager_user()
    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n").first()
    admin = (
        Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN)
        .select_related("user")
        .first()
        .user
    )
    # A requester of the same organisation: their suggestions read only the requests they may see.
    requester = (
        Membership.objects.filter(organisation=organisation, role=MembershipRole.REQUESTER)
        .annotate(n=Count("user__requested_tickets"))
        .order_by("-n")
        .select_related("user")
        .first()
        .user
    )
    clients = {}
    for who, user in (("consultant", consultant), ("manager", manager), ("admin", admin), ("requester", requester)):
        clients[who] = Client()
        clients[who].force_login(user)
    clients["admin"].get("/portal/")  # the session's organisation
    clients["requester"].get("/portal/")
    results.update(
        tickets=Ticket.objects.count(),
        organisation=organisation.name,
        organisation_tickets=organisation.n,
        consultant=consultant.email,
        measurements={},
    )
    print(f"{results['tickets']:,} tickets; {organisation.name} has {organisation.n:,}")

    def record(name: str, figures: dict) -> None:
        results["measurements"][name] = figures
        print(f"{name}: page median {figures['page']['median_ms']} ms p95 {figures['page']['p95_ms']} ms, "
              f"bare median {figures['bare']['median_ms']} ms p95 {figures['bare']['p95_ms']} ms, "
              f"ratio {figures['ratio_median']}, queries {figures.get('queries')}, load {figures['load']}")  # fmt: skip

    def desk_page(text: str):
        return lambda: clients["consultant"].get("/desk/search/", {"q": text})

    def desk_bare(text: str):
        return lambda: [len(s.hits) for s in desk_search(actor=consultant, text=text).sections]

    parts = set(args.only or ("desk", "queue", "suggestions"))
    for text in DESK_SEARCHES if "desk" in parts else ():
        figures = interleaved(desk_page(text), desk_bare(text), args.rounds)
        figures["queries"] = queries(clients["consultant"], "get", "/desk/search/", {"q": text})
        figures["hits"] = sum(len(s.hits) for s in desk_search(actor=consultant, text=text).sections)
        record(f"desk search {text}", figures)

    def queue_page_call(text: str):
        return lambda: clients["manager"].get("/desk/queues/all/", {"q": text})

    def queue_bare(text: str):
        filters = Filters(text=text)
        return lambda: len(queue_page(actor=manager, slug="all", filters=filters, sort="updated", cursor=None).rows)

    for text in ("import", "improt") if "queue" in parts else ():
        figures = interleaved(queue_page_call(text), queue_bare(text), args.rounds)
        figures["queries"] = queries(clients["manager"], "get", "/desk/queues/all/", {"q": text})
        record(f"desk queue all, text filter {text}", figures)

    def suggest_bare(user, typed: str):
        whole = user == admin
        return lambda: portal_suggestions(actor=user, organisation=organisation, whole_organisation=whole, title=typed)

    def suggest_page(who: str, data: dict):
        return lambda: clients[who].post("/portal/suggestions/", data)

    for who, user in (("admin", admin), ("requester", requester)) if "suggestions" in parts else ():
        for typed in TYPED_TITLE:
            data = {"title": typed, "description": "", "draft": "bench-draft"}
            figures = interleaved(suggest_page(who, data), suggest_bare(user, typed), args.rounds)
            figures["queries"] = queries(clients[who], "post", "/portal/suggestions/", data)
            figures["suggested"] = len(suggest_bare(user, typed)())
            record(f"portal suggestions ({who}) {typed!r}", figures)

    print(f"Saved to {save(f'search-{args.db}', results)}")


if __name__ == "__main__":
    main()
