"""The desk's reports in-process, read-only: median and p95 per report page and its CSV, the queries each runs,
and — interleaved request by request — a bare Django view that runs the same figure function and returns its
row count without forms, template or chart (what the page costs beyond its queries).

    .venv/bin/python bench/reports.py --db postgres-100k            # a database bench/seed.py made
    .venv/bin/python bench/reports.py --db postgres-100k --requests 20 --months 12

Writes nothing to the benchmark database: no sign-in (no session row), no ANALYZE, no users made. Each view is
called with a `RequestFactory` request carrying the busiest service manager (or, without one, the consultant
serving the most organisations) as its user, so the counted queries are the report's own plus the header's
notification count. The period is the last `--months` months of the data (by the newest ticket). Results go to
bench/results/reports-<db>.json with the load average before and after each page.
"""

import argparse
import os
import statistics
import time

from support import machine, save, use_target

WARM_UP = 3


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="postgres-100k", help="a target of bench/results/targets.json")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (and per bare view)")
    parser.add_argument("--months", type=int, default=6, help="months of the period, ending with the newest")
    args = parser.parse_args()
    use_target(args.db)
    from django.conf import settings

    # The target's collected static files may be gone with its temporary directory: the pages then name their
    # assets without the manifest's hashes (nothing measured here depends on it).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    from django.db import connection
    from django.db.models import Count, Max
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from picocore.reports import metrics, views
    from picocore.reports.metrics.common import add_months
    from picocore.reports.presenters import REPORTS
    from picocore.reports.selectors import report_choices, report_scope
    from picocore.tenancy.choices import StaffRole
    from picocore.tenancy.models import User
    from picocore.tickets.models import Ticket

    actor = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True).order_by("id").first()
    if actor is None:
        actor = (
            User.objects.filter(staff_role=StaffRole.CONSULTANT, is_active=True)
            .annotate(n=Count("teams__organisations"))
            .order_by("-n", "id")
            .first()
        )
    assert actor is not None, "no member of staff to read the reports as"
    newest = Ticket.objects.aggregate(at=Max("created_at"))["at"]
    last_month = newest.date().replace(day=1)
    first_month = add_months(last_month, 1 - args.months)
    query = {"from": f"{first_month:%Y-%m}", "to": f"{last_month:%Y-%m}"}
    factory = RequestFactory()
    tickets = Ticket.objects.count()

    def request(path: str, **extra):
        made = factory.get(path, {**query, **extra})
        made.user = User.objects.get(pk=actor.pk)  # a fresh user per request, as a request would read it
        return made

    bare_figures = {
        "backlog": lambda scope, group: metrics.backlog(scope, group_by=group).rows,
        "volume": lambda scope, group: metrics.volume(scope, dimension=group).rows,
        "response_times": lambda scope, group: metrics.responsiveness(scope, group_by=group).rows,
        "reopens": lambda scope, group: metrics.reopen_rate(scope, group_by=group).rows,
        "hours": lambda scope, group: metrics.hours_used(scope, group_by=group).rows,
        "satisfaction": lambda scope, group: metrics.satisfaction(scope, group_by=group).rows,
    }

    def bare_view(slug: str, group: str):
        def view(made) -> HttpResponse:
            choices = report_choices(made.user)
            scope = report_scope(choices=choices, month_from=first_month, month_to=last_month)
            return HttpResponse(str(len(bare_figures[slug](scope, group))))

        return view

    def timed(view, make) -> tuple[float, int]:
        made = make()
        started = time.perf_counter()
        response = view(made)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return elapsed, response.status_code

    def queries(view, make) -> int:
        with CaptureQueriesContext(connection) as captured:
            view(make())
        return len(captured.captured_queries)

    def stats(samples: list[float]) -> dict[str, float]:
        ordered = sorted(samples)
        return {
            "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
        }

    results: dict = {
        "database": args.db,
        "tickets": tickets,
        "as": f"{actor.full_name} ({actor.staff_role})",
        "period": query,
        "requests": args.requests,
        "machine": machine(),
        "pages": {},
    }
    from django.db.migrations.executor import MigrationExecutor

    # A database migrated before this code's migrations cannot run every report (e.g. ratings' scale): those
    # are left out and named, rather than the database migrated here (it is measured read-only).
    unapplied = {migration.app_label for migration, _ in MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes())}  # fmt: skip
    skipped = {"satisfaction"} & unapplied
    results["skipped"] = {slug: "the database needs `migrate` for it" for slug in skipped}
    cases = [("sla", None, views.sla_report, "/desk/reports/sla/")]
    for slug, report in REPORTS.items():
        if slug in skipped:
            print(f"{slug}: skipped, the database needs `migrate` for it")
            continue
        for group in report.groups:
            page = getattr(views, f"{slug}_report")
            cases.append((slug, group, page, f"/desk/reports/{slug}/"))
        cases.append((f"{slug}.csv", next(iter(report.groups)), getattr(views, f"{slug}_report_csv"), ""))
    for name, group, view, path in cases:
        extra = {"group": group} if group else {}

        def make(path=path, extra=extra):
            return request(path or "/desk/reports/", **extra)

        slug = name.removesuffix(".csv")
        bare = bare_view(slug, group) if slug in bare_figures and group else None
        before = load()
        for _ in range(WARM_UP):
            timed(view, make)
            if bare is not None:
                timed(bare, make)
        page_samples, bare_samples = [], []
        for _ in range(args.requests):  # interleaved: the page, then the bare view, in turn
            page_samples.append(timed(view, make)[0])
            if bare is not None:
                bare_samples.append(timed(bare, make)[0])
        figures = {**stats(page_samples), "queries": queries(view, make), "load_before": before, "load_after": load()}
        if bare is not None:
            figures["bare"] = {**stats(bare_samples), "queries": queries(bare, make)}
            figures["page_over_bare"] = round(figures["median_ms"] / figures["bare"]["median_ms"], 2)
        key = f"{name} by {group}" if group and not name.endswith(".csv") else name
        results["pages"][key] = figures
        bare_text = (
            f"  bare {figures['bare']['median_ms']:.1f} / {figures['bare']['p95_ms']:.1f} ms "
            f"({figures['bare']['queries']} q), ×{figures['page_over_bare']}"
            if bare is not None
            else ""
        )
        print(
            f"{key:40} {figures['median_ms']:8.1f} / {figures['p95_ms']:8.1f} ms  {figures['queries']:3} q"
            f"{bare_text}  load {figures['load_after']}"
        )
    print(f"Saved to {save(f'reports-{args.db}', results)}")


if __name__ == "__main__":
    main()
