"""Portal latency in-process (Django's test Client, no network): median and p95 per page, queries per page,
and the whole submission path (POST of the new-request form through validation, ticket_create and redirect).

    .venv/bin/python bench/portal.py --db sqlite         # after bench/seed.py
    .venv/bin/python bench/portal.py --db postgres --requests 50 --submissions 50

Signs in as a customer admin of the organisation with the most tickets, so the home page lists the whole
organisation. Runs the production settings (DEBUG off) against the database bench/seed.py left behind; the
submissions add tickets to it. Results go to bench/results/portal-<db>.json.
"""

import argparse
import datetime as dt
import time
from typing import Any

from support import DATABASES, machine, save, summary, use_target

WARM_UP = 5


def timed(client, method: str, url: str, expect: int, data: dict | None = None) -> float:
    """One request's latency in milliseconds; stops the benchmark on an unexpected status."""
    started = time.perf_counter()
    response = client.post(url, data) if method == "POST" else client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        raise SystemExit(f"{method} {url} answered {response.status_code}, expected {expect}")
    return elapsed


def query_count(client, method: str, url: str, data: dict | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.post(url, data) if method == "POST" else client.get(url)
    return len(queries)


def submission(request_type, organisation) -> dict[str, str]:
    """A valid POST of the request type's form: every question answered, solution and environment matching."""
    from picocore.catalog.choices import FieldKind
    from picocore.catalog.forms import ANSWER_PREFIX
    from picocore.cmdb.models import Environment

    environment = Environment.objects.filter(organisation=organisation).select_related("solution").first()
    assert environment is not None, "the organisation has an environment"
    data = {
        "title": "Benchmark: product images missing",
        "description": "Submitted by bench/portal.py to time the whole submission path.",
        "impact": "medium",
        "urgency": "high",
    }
    for spec in request_type.fields.all():
        name = ANSWER_PREFIX + spec.key
        data[name] = {
            FieldKind.SOLUTION: str(environment.solution_id),
            FieldKind.ENVIRONMENT: str(environment.pk),
            FieldKind.CHOICE: (spec.choice_list or [""])[0],
            FieldKind.DATE: dt.date.today().isoformat(),
            FieldKind.NUMBER: "3",
            FieldKind.YES_NO: "no",
        }.get(spec.kind, "Open any product in the Frozen category.")
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=DATABASES, default="sqlite")
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    parser.add_argument("--submissions", type=int, default=50, help="timed form submissions")
    args = parser.parse_args()
    use_target(args.db)

    from django.db.models import Count
    from django.test import Client

    from picocore.catalog.selectors import offered_request_types
    from picocore.demo.data import DEMO_PASSWORD
    from picocore.tenancy.choices import MembershipRole
    from picocore.tenancy.models import Membership, Organisation
    from picocore.tickets.choices import UNFINISHED_STATUSES
    from picocore.tickets.models import Ticket

    organisation = Organisation.objects.annotate(n=Count("tickets")).order_by("-n").first()
    assert organisation is not None, "the database is seeded"
    membership = Membership.objects.filter(organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN).first()
    assert membership is not None, "the organisation has a customer admin"
    admin = membership.user
    client = Client()
    if not client.login(email=admin.email, password=DEMO_PASSWORD):
        raise SystemExit(f"Could not sign in as {admin.email}")
    session = client.session
    session["portal_organisation_id"] = organisation.pk
    session.save()
    tickets = organisation.tickets.count()
    unfinished = organisation.tickets.filter(status__in=UNFINISHED_STATUSES).count()
    last_page = max(1, -(-unfinished // 25))
    keys = list(
        Ticket.objects.filter(organisation=organisation).order_by("-updated_at").values_list("key", flat=True)[:50]
    )
    request_type = offered_request_types(organisation=organisation).prefetch_related("fields").first()
    assert request_type is not None, "the organisation is offered a request type"
    print(f"{organisation.name} ({organisation.key_prefix}): {tickets:,} tickets, {unfinished:,} unfinished; "
          f"signed in as {admin.email} (customer admin)")  # fmt: skip

    pages = {
        "home (whole organisation, page 1)": "/portal/",
        f"home (last page, {last_page})": f"/portal/?page={last_page}",
        "home (only mine)": "/portal/?show=mine",
        "catalogue": "/portal/new/",
        f"new request form ({request_type.slug})": f"/portal/new/{request_type.slug}/",
        "request page": None,  # rotates over the 50 most recently updated tickets
    }
    results: dict[str, Any] = {
        "organisation": organisation.name,
        "tickets": tickets,
        "unfinished": unfinished,
        "pages": {},
    }
    for name, url in pages.items():
        urls = [url or f"/portal/requests/{keys[i % len(keys)]}/" for i in range(args.requests + WARM_UP)]
        for warm in urls[:WARM_UP]:
            timed(client, "GET", warm, 200)
        samples = [timed(client, "GET", each, 200) for each in urls[WARM_UP:]]
        results["pages"][name] = {**summary(samples), "queries": query_count(client, "GET", urls[0])}

    post_url = f"/portal/new/{request_type.slug}/"
    data = submission(request_type, organisation)
    for _ in range(WARM_UP):
        timed(client, "POST", post_url, 302, data)
    samples = [timed(client, "POST", post_url, 302, data) for _ in range(args.submissions)]
    results["pages"][f"submit {request_type.slug} (POST, redirect)"] = {
        **summary(samples),
        "queries": query_count(client, "POST", post_url, data),
    }
    results["machine"] = machine()

    print(f"\n{'page':<42} {'median':>9} {'p95':>9} {'queries':>8}")
    for name, figures in results["pages"].items():
        print(f"{name:<42} {figures['median_ms']:>7.1f}ms {figures['p95_ms']:>7.1f}ms {figures['queries']:>8}")
    print(f"\nSaved to {save(f'portal-{args.db}', results)}")


if __name__ == "__main__":
    main()
