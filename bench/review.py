"""The monthly service review's snapshot for one contract-month, on a seeded database (100,000 tickets on
PostgreSQL by default): median and 95th percentile of making it, its query count, and that the count does not
grow with the month's tickets; then the PDF of it. The snapshot holds the SLA report's row and missed targets,
the hour bank's month, and the reports' MTTA/MTTR, backlog and ageing, reopen rate, satisfaction and volume
(`picocore.reports.metrics`) for the contract's month.

    .venv/bin/python bench/review.py [--db postgres-100k] [--runs 30] [--targets bench/results/targets.json]

The database is the one bench/seed.py seeded (`--targets` names the file that says where it is: the lead's
checkout keeps it). Nothing is left behind: each run computes the review's snapshot (the figures and their
JSON; the one-row insert of the review is left out, as the seeded database is not migrated for reviews) in a
transaction that is rolled back, and the database is never migrated, dropped or seeded here. The contract-month
measured is the busiest one (most tickets created in a month, in the installation's time zone, as the reports
count); the query count is compared with the quietest month of the same contract.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import support
from support import machine, save, summary


class Rollback(Exception):
    """Raised to roll the measured transaction back."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="postgres-100k", help="the seeded target (bench/results/targets.json)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--targets", default=os.environ.get("PICOCORE_BENCH_TARGETS", str(support.TARGETS_FILE)))
    args = parser.parse_args()
    support.TARGETS_FILE = Path(args.targets)
    support.use_target(args.db)

    from django.db import connection, transaction
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from picocore.contracts.models import Contract
    from picocore.core.clock import now
    from picocore.reviews import figures
    from picocore.reviews.models import ServiceReview
    from picocore.reviews.pdf import review_pdf
    from picocore.tickets.models import Ticket

    zone = timezone.get_default_timezone()
    months = list(
        Ticket.objects.annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("organisation_id", "month")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    busiest = months[0]
    contract = (
        Contract.objects.select_related("organisation", "tier")
        .filter(organisation_id=busiest["organisation_id"])
        .order_by("-starts_on")
        .first()
    )
    assert contract is not None, "the busiest organisation has no contract"
    month = timezone.localtime(busiest["month"], zone).date()
    quiet = min((m for m in months if m["organisation_id"] == contract.organisation_id), key=lambda m: m["n"])
    quiet_month = timezone.localtime(quiet["month"], zone).date()
    at = now()

    def snapshot_queries(for_month) -> int:
        with CaptureQueriesContext(connection) as queries:
            figures.contract_month(contract, for_month, at=at).to_data()
        return len(queries)

    samples, queries = [], None
    for run in range(args.runs + 1):
        started = time.perf_counter()
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                snapshot = figures.contract_month(contract, month, at=at)
                data = snapshot.to_data()
                raise Rollback
        except Rollback:
            pass
        elapsed = (time.perf_counter() - started) * 1000
        if run:  # the first run warms the caches
            samples.append(elapsed)
            queries = len(captured)
    # Unsaved: this database is not migrated for reviews here (it is never migrated by a benchmark).
    review = ServiceReview(
        organisation_id=contract.organisation_id, contract=contract, month=month, snapshot=data, made_at=at
    )
    pdf_started = time.perf_counter()
    pdf = review_pdf(review, snapshot)
    pdf_ms = (time.perf_counter() - pdf_started) * 1000
    result = {
        "database": args.db,
        "tickets": Ticket.objects.count(),
        "contract": contract.pk,
        "organisation": contract.organisation.name,
        "month": f"{month:%Y-%m}",
        "month_tickets": busiest["n"],
        "snapshot": summary(samples) | {"queries": queries},
        "quiet_month": {
            "month": f"{quiet_month:%Y-%m}",
            "tickets": quiet["n"],
            "queries": snapshot_queries(quiet_month),
        },
        "busy_month_queries_without_insert": snapshot_queries(month),
        "pdf": {"ms": round(pdf_ms, 1), "bytes": len(pdf), "pages_start": pdf[:8].decode("latin-1")},
        "sections": {
            "sla_tickets": snapshot.sla.tickets,
            "missed_listed": len(snapshot.sla.missed),
            "created": snapshot.volume.created,
            "resolved": snapshot.volume.resolved,
            "answered": snapshot.responsiveness.acknowledge.count if snapshot.responsiveness else None,
            "mtta_mean_seconds": snapshot.responsiveness.acknowledge.mean_seconds if snapshot.responsiveness else None,
            "mttr_mean_seconds": snapshot.responsiveness.resolve.mean_seconds if snapshot.responsiveness else None,
            "backlog": snapshot.backlog.total if snapshot.backlog else None,
            "reopened": snapshot.reopens.reopened if snapshot.reopens else None,
            "offered": snapshot.satisfaction.offered,
            "ratings": snapshot.satisfaction.ratings,
            "changes": len(snapshot.changes),
            "p1": len(snapshot.major_incidents),
        },
        "machine": machine(),
    }
    path = save(f"review-{args.db}", result)
    print(json.dumps(result, indent=2, default=str))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
