"""The demo's problems: a known error affecting two customers — its root cause and workaround recorded, the workaround
posted on their open image incidents, and a known issue shown in their portals — and a recurring-incident proposal:
five price-import incidents of one customer's component in the last days, found by the detector. All made through
the services, as on the desk."""

import datetime as dt

from picocore.catalog.choices import TicketType
from picocore.catalog.selectors import offered_request_types
from picocore.cmdb.choices import EnvironmentKind
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.problems.models import Problem
from picocore.problems.services import (
    problem_component_add,
    problem_create,
    problem_link_incident,
    problem_publish_known_issue,
    problem_publish_workaround,
    proposals_detect,
)
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Membership, User
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_create

KNOWN_ERROR = {
    "title": "Product images missing after the nightly export",
    "description": "Customers report products without images on their web shops the morning after the nightly "
    "PIM export. The images are present in the PIM.",
    "root_cause": "The image export times out while the CDN purge runs; images published in that minute are "
    "skipped and not retried.",
    "workaround": "Run the image export again from the PIM (Export › Images › Run now) after 06:30; the missing "
    "images appear on the web shop within ten minutes.",
    "next_step": "Move the CDN purge out of the export window",
}
KNOWN_ISSUE_TITLE = "Some product images may be missing after the nightly update"
KNOWN_ISSUE_TEXT = (
    "After the nightly product update some images may not show on your web shop. We know the cause and are "
    "fixing it. Meanwhile you can run the image export again from the PIM (Export › Images › Run now) after "
    "06:30: the images appear within ten minutes. You do not need to report this again."
)
PRICE_IMPORT = "The nightly price import from the ERP stopped with an error; yesterday's prices show."
RECURRING = [
    "Price import failed overnight",
    "Price import failed again",
    "The price import failed",
    "Price import failed: prices not updated",
    "Price import failed this morning",
]


def _production_components() -> dict[int, list[Component]]:
    found: dict[int, list[Component]] = {}
    rows = Component.objects.filter(environment__kind=EnvironmentKind.PRODUCTION).select_related(
        "environment__solution"
    )
    for component in rows.order_by("organisation_id", "id"):
        found.setdefault(component.organisation_id, []).append(component)
    return found


def _incident(organisation_id: int, component: Component, title: str, description: str) -> Ticket | None:
    """An incident on `component`, filed by the organisation's first member (as in the portal)."""
    member = Membership.objects.filter(organisation_id=organisation_id).select_related("user", "organisation")
    membership = member.order_by("id").first()
    if membership is None:
        return None
    offered = offered_request_types(organisation=membership.organisation).filter(ticket_type=TicketType.INCIDENT)
    request_type = offered.order_by("id").first()
    if request_type is None:
        return None
    return ticket_create(
        actor=membership.user, organisation=membership.organisation, request_type=request_type, title=title,
        description=description, impact=request_type.default_impact, urgency=request_type.default_urgency,
        solution=component.environment.solution, environment=component.environment, component=component,
    )  # fmt: skip


def _known_error(manager: User, consultant: User, components: dict[int, list[Component]], today: dt.date) -> Problem:
    """The known error on the first two customers' main components, each with a new image incident linked."""
    problem = problem_create(actor=manager, owner_id=consultant.pk, next_step_due=today + dt.timedelta(days=7),
                             **KNOWN_ERROR)  # fmt: skip
    for organisation_id in list(components)[:2]:
        component = components[organisation_id][0]
        problem_component_add(actor=manager, problem_id=problem.pk, component_id=component.pk)
        ticket = _incident(organisation_id, component, "Product images missing again this morning",
                           "About twenty products show no image on the web shop since the night.")  # fmt: skip
        if ticket is not None:
            problem_link_incident(actor=manager, problem_id=problem.pk, ticket_key=ticket.key)
    problem_publish_workaround(actor=manager, problem_id=problem.pk)
    return problem_publish_known_issue(actor=manager, problem_id=problem.pk, title=KNOWN_ISSUE_TITLE,
                                       text=KNOWN_ISSUE_TEXT)  # fmt: skip


def _recurring(components: dict[int, list[Component]], taken: set[int], moment: dt.datetime) -> int:
    """Five price-import incidents on the main component of the last customer that has one not named by the known
    error, spread over the last days; returns how many proposals the detector then made."""
    for organisation_id in sorted(components, reverse=True):
        component = next((c for c in components[organisation_id] if c.pk not in taken), None)
        if component is None:
            continue
        made = []
        for title in RECURRING:
            ticket = _incident(organisation_id, component, title, PRICE_IMPORT)
            if ticket is None:
                break
            made.append(ticket.pk)
        if len(made) < len(RECURRING):
            continue
        for days, pk in enumerate(reversed(made)):
            Ticket.objects.filter(pk=pk).update(created_at=moment - dt.timedelta(days=2 * days, hours=3))
        return proposals_detect(at=moment).proposed
    return 0


def make_demo_problems(*, moment: dt.datetime | None = None) -> tuple[Problem | None, int]:
    """Make the demo's problems (see the module); returns the known error (None without staff or landscapes) and
    how many proposals the detector made."""
    moment = moment or now()
    consultant = User.objects.filter(staff_role=StaffRole.CONSULTANT, is_active=True).order_by("id").first()
    manager = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True).order_by("id").first()
    components = _production_components()
    if consultant is None or manager is None or not components:
        return None, 0
    problem = _known_error(manager, consultant, components, moment.date())
    taken = set(problem.component_links.values_list("component_id", flat=True))
    return problem, _recurring(components, taken, moment)
