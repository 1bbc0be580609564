"""Reading status pages: who may open which page, and what it shows — the state of each solution and component,
the incidents with their updates, the maintenance planned — computed from the organisation's changes, tickets,
alerts and status incidents.

A component's state: under maintenance while an approved change (scheduled or being implemented) that names it is
in its planned window; otherwise the worst of its open P1/P2 incidents (P1 a major, P2 a partial outage), its
firing alerts (by impact: high a major, medium a partial outage, low degraded) and the published, unresolved
status incidents naming it. A major outage that only tickets and alerts report is shown as a partial outage until
a member of staff confirms it (by publishing a confirmed major-outage incident); so is a written major-outage
incident nobody confirmed yet.

`status_view` reads nine queries whatever the number of components, tickets, alerts and incidents.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.alerts.selectors import firing_alerts
from picocore.catalog.choices import Impact, Priority, TicketType
from picocore.changes.models import Change, ChangeComponent
from picocore.changes.states import PLANNED
from picocore.cmdb.models import Component, Solution
from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.statuspages import links, permissions
from picocore.statuspages.choices import STATE_RANK, ComponentState, Visibility
from picocore.statuspages.models import StatusIncident, StatusPage, StatusUpdate, Subscriber
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import served_organisations
from picocore.tickets.choices import OPEN_STATUSES
from picocore.tickets.models import Ticket, TicketImpact

MAINTENANCE_AHEAD = dt.timedelta(days=14)
PAST_INCIDENTS = dt.timedelta(days=14)

_PRIORITY_STATE = {Priority.P1: ComponentState.MAJOR_OUTAGE, Priority.P2: ComponentState.PARTIAL_OUTAGE}
_ALERT_STATE = {Impact.HIGH: ComponentState.MAJOR_OUTAGE, Impact.MEDIUM: ComponentState.PARTIAL_OUTAGE,
                Impact.LOW: ComponentState.DEGRADED}  # fmt: skip


def worst(states: list[ComponentState]) -> ComponentState:
    """The worst of `states` (operational for none)."""
    return max(states, key=STATE_RANK.__getitem__, default=ComponentState.OPERATIONAL)


def page_not_found() -> NotFound:
    return NotFound(_("No such status page."))


@dataclass(frozen=True)
class Maintenance:
    """An approved change whose window is under way or begins within the next 14 days, with the components it
    names."""

    change: Change
    components: list[Component]
    under_way: bool


@dataclass
class ComponentStatus:
    """One component's state, and why (for the desk; the customer's page shows the state and the incidents)."""

    component: Component
    state: ComponentState = ComponentState.OPERATIONAL
    reasons: list[str] = field(default_factory=list)
    awaits_confirmation: bool = False  # a major outage reported by tickets or alerts, shown as partial

    @property
    def label(self) -> str:
        return str(ComponentState(self.state).label)


@dataclass
class SolutionStatus:
    solution: Solution
    components: list[ComponentStatus]

    @property
    def state(self) -> ComponentState:
        return worst([c.state for c in self.components])

    @property
    def label(self) -> str:
        return str(ComponentState(self.state).label)


@dataclass
class StatusView:
    """What an organisation's status page shows at `at`."""

    organisation: Organisation
    at: dt.datetime
    solutions: list[SolutionStatus]
    active: list[StatusIncident]
    past: list[StatusIncident]
    maintenance: list[Maintenance]

    @property
    def components(self) -> list[ComponentStatus]:
        return [c for s in self.solutions for c in s.components]

    @property
    def state(self) -> ComponentState:
        return worst([c.state for c in self.components] + [incident_state(i) for i in self.active])

    @property
    def label(self) -> str:
        return str(ComponentState(self.state).label)

    @property
    def awaiting_confirmation(self) -> list[ComponentStatus]:
        return [c for c in self.components if c.awaits_confirmation]


def incident_state(incident: StatusIncident) -> ComponentState:
    """The state a published incident shows: its impact, a major outage only once confirmed."""
    if incident.awaits_confirmation:
        return ComponentState.PARTIAL_OUTAGE
    return ComponentState(incident.impact)


def _incidents(organisation_id: int, at: dt.datetime) -> list[StatusIncident]:
    """Published incidents that are unresolved or resolved within the last 14 days, with their components and
    updates (newest first): three queries."""
    return list(
        StatusIncident.objects.filter(organisation_id=organisation_id, published_at__isnull=False)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=at - PAST_INCIDENTS))
        .prefetch_related(
            Prefetch("components", queryset=Component.objects.order_by("name", "id")),
            Prefetch("updates", queryset=StatusUpdate.objects.order_by("-posted_at", "-id")),
        )
        .order_by("-published_at", "-id")
    )


def _maintenance(organisation_id: int, at: dt.datetime) -> list[Maintenance]:
    """One query: the components of approved changes whose window is under way or starts within 14 days."""
    rows = (
        ChangeComponent.objects.filter(
            organisation_id=organisation_id,
            change__status__in=sorted(PLANNED),
            change__planned_start__isnull=False,
            change__planned_end__gt=at,
            change__planned_start__lt=at + MAINTENANCE_AHEAD,
        )
        .select_related("change", "component")
        .order_by("change__planned_start", "change_id", "component__name", "component_id")
    )
    by_change: dict[int, tuple[Change, list[Component]]] = {}
    for row in rows:
        by_change.setdefault(row.change_id, (row.change, []))[1].append(row.component)
    return [
        Maintenance(change, components, under_way=change.planned_start is not None and change.planned_start <= at)
        for change, components in by_change.values()
    ]


def _ticket_sources(organisation_id: int) -> list[tuple[int, int, str]]:
    """(component id, priority, key) of the open P1/P2 incidents on a component, directly or through a confirmed
    impact: two queries."""
    open_urgent = Q(
        organisation_id=organisation_id,
        ticket_type=TicketType.INCIDENT,
        status__in=OPEN_STATUSES,
        priority__in=[Priority.P1, Priority.P2],
    )
    direct = Ticket.objects.filter(open_urgent, component__isnull=False).values_list("component_id", "priority", "key")
    through = TicketImpact.objects.filter(
        organisation_id=organisation_id,
        ticket__ticket_type=TicketType.INCIDENT,
        ticket__status__in=OPEN_STATUSES,
        ticket__priority__in=[Priority.P1, Priority.P2],
    ).values_list("component_id", "ticket__priority", "ticket__key")
    return [(int(c), int(p), str(k)) for c, p, k in [*direct, *through]]


def status_view(organisation: Organisation, *, at: dt.datetime | None = None) -> StatusView:
    """The organisation's status at `at` (now), for a caller who checked the actor may read it. Nine queries:
    solutions, components, changes, tickets (two), alerts, incidents (three)."""
    at = at or now()
    solutions = list(Solution.objects.filter(organisation=organisation).order_by("name", "id"))
    components = list(
        Component.objects.filter(organisation=organisation)
        .select_related("environment")
        .order_by("environment__kind", "name", "id")
    )
    maintenance = _maintenance(organisation.pk, at)
    statuses = {c.pk: ComponentStatus(c) for c in components}
    raised: dict[int, list[tuple[ComponentState, bool, str]]] = defaultdict(list)  # (state, automatic, reason)
    for component_id, priority, key in _ticket_sources(organisation.pk):
        raised[component_id].append((_PRIORITY_STATE[Priority(priority)], True, f"P{priority} {key}"))
    for alert in firing_alerts(organisation_id=organisation.pk):
        if alert.component_id is not None:
            state = _ALERT_STATE.get(Impact(alert.impact)) if alert.impact else None
            reason = _("Alert: %(summary)s") % {"summary": alert.summary or alert.fingerprint}
            raised[alert.component_id].append((state or ComponentState.PARTIAL_OUTAGE, True, reason))
    incidents = _incidents(organisation.pk, at)
    active = [i for i in incidents if i.resolved_at is None]
    for incident in active:
        state = ComponentState(incident.impact)
        confirmed = state != ComponentState.MAJOR_OUTAGE or incident.confirmed_at is not None
        for component in incident.components.all():
            raised[component.pk].append(
                (state, not confirmed, _("Status incident: %(title)s") % {"title": incident.title})
            )
    under_way = {c.pk: m.change for m in maintenance if m.under_way for c in m.components}
    for component_id, status in statuses.items():
        if component_id in under_way:
            status.state = ComponentState.MAINTENANCE
            status.reasons = [_("Change %(key)s in its window") % {"key": under_way[component_id].key}]
            continue
        sources = raised.get(component_id, [])
        status.reasons = [reason for _state, _automatic, reason in sources]
        confirmed_major = any(s == ComponentState.MAJOR_OUTAGE and not auto for s, auto, _r in sources)
        shown = []
        for state, automatic, _reason in sources:
            if state == ComponentState.MAJOR_OUTAGE and automatic and not confirmed_major:
                status.awaits_confirmation = True
                state = ComponentState.PARTIAL_OUTAGE
            shown.append(state)
        status.state = worst(shown)
    by_solution: dict[int, list[ComponentStatus]] = defaultdict(list)
    for component in components:
        by_solution[component.environment.solution_id].append(statuses[component.pk])
    return StatusView(
        organisation=organisation,
        at=at,
        solutions=[SolutionStatus(s, by_solution.get(s.pk, [])) for s in solutions],
        active=active,
        past=[i for i in incidents if i.resolved_at is not None],
        maintenance=maintenance,
    )


@dataclass(frozen=True)
class PageAccess:
    """An organisation whose page the actor may read, with its settings (a default one when it has none)."""

    organisation: Organisation
    page: StatusPage
    by_link: bool  # read through the signed link (not as a contact, staff or the public)


def page_for(organisation: Organisation) -> StatusPage:
    """The organisation's settings as read along with it (`organisation_with_page`), or the default ones."""
    try:
        page: StatusPage = organisation.status_page
        return page
    except StatusPage.DoesNotExist:
        return StatusPage(organisation=organisation)


def page_access(*, actor: object, slug: str, token: str | None = None) -> PageAccess:
    """The organisation of `slug` if the actor may read its status page (as a contact, as staff serving it, as
    anyone when public, with the signed `token` when shared by link); NotFound otherwise — the same answer as for
    an organisation that does not exist. One query (the organisation with its settings)."""
    organisation = (
        Organisation.objects.select_related("status_page").filter(slug=slug).first() if len(slug) <= 50 else None
    )
    if organisation is None:
        raise page_not_found()
    page = page_for(organisation)
    link_valid = page.visibility == Visibility.LINK and links.page_token_valid(
        token, organisation_id=organisation.pk, link_salt=page.link_salt
    )
    if not permissions.can_view(actor, organisation.pk, visibility=page.visibility, link_valid=link_valid):
        raise page_not_found()
    by_link = link_valid and not (
        permissions.is_contact(actor, organisation.pk) or permissions.can_manage(actor, organisation.pk)
    )
    return PageAccess(organisation=organisation, page=page, by_link=by_link)


# The desk.


def managed_organisations(*, actor: User) -> QuerySet[Organisation]:
    """The organisations whose status pages the actor manages, with their settings, the number of unresolved
    published incidents and of active subscribers: one query."""
    if not (getattr(actor, "is_authenticated", False) and actor.staff_role in permissions.MANAGERS):
        return Organisation.objects.none()
    return (
        served_organisations(actor)
        .select_related("status_page")
        .annotate(
            active_incidents=Count(
                "status_incidents",
                filter=Q(status_incidents__published_at__isnull=False, status_incidents__resolved_at__isnull=True),
                distinct=True,
            ),
            subscriber_count=Count(
                "status_subscribers",
                filter=Q(
                    status_subscribers__confirmed_at__isnull=False, status_subscribers__unsubscribed_at__isnull=True
                ),
                distinct=True,
            ),
        )
        .order_by("name", "id")
    )


def managed_organisation(*, actor: User, organisation_id: int) -> Organisation:
    """One organisation the actor manages the status page of, with its settings; NotFound for any other."""
    organisation = Organisation.objects.select_related("status_page").filter(pk=organisation_id).first()
    if organisation is None or not permissions.can_manage(actor, organisation.pk):
        raise page_not_found()
    return organisation


def incident_list(*, organisation: Organisation) -> list[StatusIncident]:
    """Every incident of the organisation (drafts first, then newest), with its components: two queries. The
    caller read the organisation for its actor."""
    return list(
        StatusIncident.objects.filter(organisation=organisation)
        .prefetch_related(Prefetch("components", queryset=Component.objects.order_by("name", "id")))
        .order_by(F("published_at").desc(nulls_first=True), "-created_at", "-id")
    )


def incident_get(*, actor: User, incident_id: int) -> StatusIncident:
    """One incident the actor manages, with its organisation, components, tickets and updates; NotFound for any
    other (the same answer as for a missing one)."""
    incident = (
        StatusIncident.objects.select_related("organisation__status_page", "confirmed_by", "created_by")
        .prefetch_related(
            Prefetch("components", queryset=Component.objects.order_by("name", "id")),
            Prefetch("tickets", queryset=Ticket.objects.only("key", "title", "organisation_id").order_by("id")),
            Prefetch(
                "updates", queryset=StatusUpdate.objects.select_related("posted_by").order_by("-posted_at", "-id")
            ),
        )
        .filter(pk=incident_id)
        .first()
    )
    if incident is None or not permissions.can_manage(actor, incident.organisation_id):
        raise NotFound(_("No such status incident."))
    return incident


def subscriber_list(*, organisation: Organisation) -> list[Subscriber]:
    """The organisation's subscribers, current ones first: one query. The caller read the organisation for its
    actor."""
    return list(
        Subscriber.objects.filter(organisation=organisation).order_by(
            F("unsubscribed_at").asc(nulls_first=True), "kind", "address", "id"
        )
    )


def own_subscriptions(*, actor: User, organisation: Organisation) -> list[Subscriber]:
    """The active or pending subscriptions the actor made for the organisation (what its page lists as theirs)."""
    if not permissions.is_contact(actor, organisation.pk):
        return []
    return list(
        Subscriber.objects.filter(organisation=organisation, created_by=actor, unsubscribed_at__isnull=True).order_by(
            "kind", "address", "id"
        )
    )


def components_of(organisation: Organisation) -> list[Component]:
    """The organisation's components with environment and solution, for choosing those an incident affects."""
    return list(
        Component.objects.filter(organisation=organisation)
        .select_related("environment__solution")
        .order_by("environment__solution__name", "environment__kind", "name", "id")
    )


def open_incident_tickets(organisation: Organisation) -> list[Ticket]:
    """The organisation's open incident tickets (most urgent first), for linking to a status incident."""
    return list(
        Ticket.objects.filter(organisation=organisation, ticket_type=TicketType.INCIDENT, status__in=OPEN_STATUSES)
        .only("key", "title", "priority", "organisation_id")
        .order_by("priority", "-id")[:200]
    )
