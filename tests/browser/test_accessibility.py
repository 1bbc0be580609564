"""Accessibility scans with axe-core of the pages people live in: the portal's home, new-request form and request
page, its hours, service reviews, contacts, landscape and changes; the desk's queue, ticket page (with its
landscape panel) and time page, the hour bank, the reports (the index and every report), the service reviews,
the landscapes, a component, the changes, a change page and the change calendar, the problems and a problem
page, the knowledge base and an article, the search; the portal's knowledge base searched and a known issue; on a laptop
(1366×768) and a phone (390×844).

axe-core is the npm package pinned in package.json (`make test-browser` installs it with `npm ci`); it is read
from node_modules and evaluated in the page through the DevTools protocol, so nothing comes from the internet and
the app's Content-Security-Policy stays as strict as in production (no inline script, no bypass). A serious or
critical violation fails the test, listed with its rule, impact, elements and help.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE, _new_context, _new_page

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = {"1366x768": LAPTOP, "390x844": PHONE}
BLOCKING = {"serious", "critical"}

CUSTOMER = "anna@acme.example"
CUSTOMER_ADMIN = "admin@acme.example"
CONSULTANT = "consultant@picocore.example"
MANAGER = "manager@picocore.example"
# Paths with {names} are filled from the demo's data once it is loaded (`demo_places`).
PAGES = [
    (CUSTOMER, "portal home", "/portal/"),
    (CUSTOMER, "new-request form", "/portal/new/incident/"),
    (CUSTOMER, "request page", "/portal/requests/ACME-1/"),
    (CUSTOMER_ADMIN, "portal hours", "/portal/hours/"),
    (CUSTOMER_ADMIN, "portal reviews", "/portal/reviews/"),
    (CUSTOMER_ADMIN, "portal contacts", "/portal/contacts/"),
    (CUSTOMER_ADMIN, "portal review", "/portal/reviews/{sent_review}/"),
    (CONSULTANT, "desk queue", "/desk/queues/team/"),
    (CONSULTANT, "desk ticket page", "/desk/tickets/ACME-1/"),
    (CONSULTANT, "desk time page", "/desk/tickets/ACME-1/time/"),
    (MANAGER, "desk hours", "/desk/hours/"),
    (MANAGER, "desk hours month", "/desk/hours/{acme_contract}/{month}/"),
    (MANAGER, "reports", "/desk/reports/"),
    (MANAGER, "SLA report", "/desk/reports/sla/"),
    (MANAGER, "backlog report", "/desk/reports/backlog/"),
    (MANAGER, "volume report", "/desk/reports/volume/"),
    (MANAGER, "response-times report", "/desk/reports/response-times/"),
    (MANAGER, "reopens report", "/desk/reports/reopens/"),
    (MANAGER, "hours report", "/desk/reports/hours/"),
    (MANAGER, "satisfaction report", "/desk/reports/satisfaction/"),
    (MANAGER, "desk reviews", "/desk/reviews/"),
    (MANAGER, "desk review (sent)", "/desk/reviews/{sent_review}/"),
    (MANAGER, "desk review (draft)", "/desk/reviews/{draft_review}/"),
    (CUSTOMER, "portal landscape", "/portal/landscape/"),
    (CUSTOMER, "portal changes", "/portal/changes/"),
    (CUSTOMER, "portal change page", "/portal/changes/{acme_change}/"),
    (CONSULTANT, "desk ticket page with its landscape panel", "/desk/tickets/{ticket_on_component}/"),
    (CONSULTANT, "desk landscapes", "/desk/landscape/"),
    (CONSULTANT, "desk landscape", "/desk/landscape/{acme}/"),
    (CONSULTANT, "desk component page", "/desk/components/{acme_component}/"),
    (CONSULTANT, "desk changes", "/desk/changes/"),
    (MANAGER, "desk change page", "/desk/changes/{acme_change}/"),
    (CONSULTANT, "desk change calendar", "/desk/changes/calendar/"),
    (CONSULTANT, "desk problems", "/desk/problems/"),
    (CONSULTANT, "desk problem page", "/desk/problems/{known_error}/"),
    (CONSULTANT, "desk knowledge", "/desk/knowledge/"),
    (CONSULTANT, "desk article page", "/desk/knowledge/{article}/"),
    (CONSULTANT, "desk search", "/desk/search/?q=images"),
    (CUSTOMER, "portal knowledge search", "/portal/knowledge/?q=images"),
    (CUSTOMER, "portal known issue", "/portal/knowledge/known-issues/{known_error}/"),
    (MANAGER, "desk single sign-on", "/desk/sso/"),
    (MANAGER, "desk single sign-on of an organisation", "/desk/sso/{acme}/"),
]
PEOPLE = (CUSTOMER, CUSTOMER_ADMIN, CONSULTANT, MANAGER)


def demo_places() -> dict[str, object]:
    """Where the demo's pages with ids are: Acme's latest sent and draft service reviews, its contract and this
    month of its hour bank, Acme itself, its latest change, a component and a ticket on a component, the known
    error (its problem and its known issue) and an article for every customer."""
    from picocore.changes.models import Change
    from picocore.cmdb.models import Component
    from picocore.contracts.models import Contract
    from picocore.contracts.selectors import organisation_date
    from picocore.core.clock import now
    from picocore.knowledge.models import Article
    from picocore.problems.models import Problem
    from picocore.reviews.choices import ReviewStatus
    from picocore.reviews.models import ServiceReview
    from picocore.tickets.models import Ticket

    acme = ServiceReview.objects.filter(organisation__slug="acme-foods").order_by("-month")
    contract = Contract.objects.get(organisation__slug="acme-foods")
    change = Change.objects.filter(organisation__slug="acme-foods").order_by("-planned_start", "-id").first()
    on_component = Ticket.objects.filter(organisation__slug="acme-foods", component__isnull=False).order_by("id")
    component = Component.objects.filter(organisation__slug="acme-foods").order_by("name").first()
    assert change is not None and component is not None and on_component.exists(), "the demo has a landscape"
    return {
        "acme": contract.organisation_id,
        "acme_change": change.pk,
        "acme_component": component.pk,
        "ticket_on_component": on_component.values_list("key", flat=True).first(),
        "sent_review": acme.filter(status=ReviewStatus.SENT).values_list("pk", flat=True).first(),
        "draft_review": acme.filter(status=ReviewStatus.DRAFT).values_list("pk", flat=True).first(),
        "acme_contract": contract.pk,
        "month": organisation_date(contract.organisation, now()).strftime("%Y-%m"),
        "known_error": Problem.objects.filter(known_issue_published_at__isnull=False).values_list("pk", flat=True)
        .first(),
        "article": Article.objects.filter(title="How to re-run a failed product import").values_list("pk", flat=True)
        .first(),
    }  # fmt: skip


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"No axe-core at {AXE}: run `npm ci` in the repository root (make test-browser does).")
    return AXE.read_text()


def scan(page: Page, source: str) -> list[dict]:
    """Run axe-core on the page as it is; returns its violations (every rule axe runs by default)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(
        """async () => {
            const results = await window.axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200)})),
            }));
        }"""
    )


def readable(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                lines.append(f"    {json.dumps(node['target'])}: {node['summary'].replace(chr(10), ' ')}")
                lines.append(f"        {node['html']}")
    return "\n".join(lines)


@pytest.mark.parametrize("size", SIZES)
def test_portal_and_desk_pages_have_no_serious_or_critical_axe_violation(
    browser: Browser, live_server, demo, sign_in, console_errors, size
):
    source = axe_source()
    places = demo_places()
    assert all(places.values()), places
    found: dict[str, list[dict]] = {}
    scanned = []
    for person in PEOPLE:
        context = _new_context(browser, live_server, **SIZES[size])
        try:
            page = _new_page(context, console_errors)
            sign_in(page, person)
            for who, name, path in PAGES:
                if who != person:
                    continue
                path = path.format(**places)
                response = page.goto(path)
                assert response is not None and response.status == 200, (name, path)
                page.wait_for_load_state("load")
                violations = scan(page, source)
                scanned.append(name)
                blocking = [v for v in violations if v["impact"] in BLOCKING]
                if blocking:
                    found[f"{name} {path} at {size}"] = blocking
        finally:
            context.close()
    assert sorted(scanned) == sorted(name for _, name, _ in PAGES)
    assert not found, "serious or critical accessibility violations:\n" + readable(found)
    assert console_errors == []
