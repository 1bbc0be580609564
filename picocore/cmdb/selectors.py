"""Reading landscapes: a customer's whole landscape (desk and portal), one component, end of life soon.

Each reads a constant number of queries whatever the size of the landscape; a component of an organisation
the actor may not see is the same NotFound as one that does not exist.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from picocore.cmdb import permissions
from picocore.cmdb.models import Component, Contact, Environment, Integration, RunbookVersion, Solution
from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.tenancy.models import Organisation, User

EOL_SOON_DAYS = 90
RUNBOOK_HISTORY_LIMIT = 50


def component_not_found() -> NotFound:
    return NotFound(_("There is no such component, or it is not yours to see."))


def organisation_not_found() -> NotFound:
    return NotFound(_("There is no such customer, or it is not yours to see."))


@dataclass
class EnvironmentRows:
    environment: Environment
    components: list[Component] = field(default_factory=list)


@dataclass
class SolutionRows:
    solution: Solution
    environments: list[EnvironmentRows] = field(default_factory=list)


@dataclass(frozen=True)
class Landscape:
    """One organisation's landscape: solutions → environments → components (each with `runbook_number`, its
    current runbook version or None), the integrations between them, the contacts, and what reaches its end of
    life within `EOL_SOON_DAYS` (or has passed it)."""

    organisation: Organisation
    solutions: list[SolutionRows]
    integrations: list[Integration]
    contacts: list[Contact]
    end_of_life_soon: list[Component]

    @property
    def components(self) -> list[Component]:
        return [c for s in self.solutions for e in s.environments for c in e.components]


def with_runbook_number(components: QuerySet[Component]) -> QuerySet[Component]:
    """Components annotated with their current runbook version (`runbook_number`, None without a runbook)."""
    current = (
        RunbookVersion.objects.filter(component=OuterRef("pk"))
        .order_by()
        .values("component")
        .annotate(number=Max("number"))
        .values("number")
    )
    return components.annotate(runbook_number=Subquery(current))


def eol_soon(components: list[Component], today: dt.date, days: int = EOL_SOON_DAYS) -> list[Component]:
    """Of `components`, those whose end of life is past or within `days` of `today`, soonest first."""
    limit = today + dt.timedelta(days=days)
    soon = [c for c in components if c.end_of_life is not None and c.end_of_life <= limit]
    return sorted(soon, key=lambda c: (c.end_of_life, c.name, c.pk))


def _landscape(organisation: Organisation, today: dt.date) -> Landscape:
    """Five queries: solutions, environments, components (with their runbook number), integrations, contacts."""
    solutions = {s.pk: SolutionRows(s) for s in Solution.objects.filter(organisation=organisation).order_by("name")}
    environments: dict[int, EnvironmentRows] = {}
    for environment in Environment.objects.filter(organisation=organisation).order_by("kind", "id"):
        if environment.solution_id in solutions:
            environment.solution = solutions[environment.solution_id].solution
            rows = environments[environment.pk] = EnvironmentRows(environment)
            solutions[environment.solution_id].environments.append(rows)
    components = with_runbook_number(Component.objects.filter(organisation=organisation)).order_by("name", "id")
    for component in components:
        if component.environment_id in environments:
            component.environment = environments[component.environment_id].environment
            environments[component.environment_id].components.append(component)
    by_id = {c.pk: c for e in environments.values() for c in e.components}
    integrations = list(Integration.objects.filter(organisation=organisation).order_by("name", "id"))
    for integration in integrations:
        integration.source = by_id[integration.source_id]
        integration.target = by_id[integration.target_id]
    contacts = list(
        Contact.objects.filter(organisation=organisation).select_related("solution", "user").order_by("role", "name")
    )
    return Landscape(
        organisation=organisation,
        solutions=list(solutions.values()),
        integrations=integrations,
        contacts=contacts,
        end_of_life_soon=eol_soon(list(by_id.values()), today),
    )


def local_date(organisation: Organisation, at: dt.datetime | None = None) -> dt.date:
    """Today at the organisation's offices: end-of-life dates are the customer's dates."""
    return (at or now()).astimezone(zoneinfo.ZoneInfo(organisation.time_zone)).date()


def desk_landscape(*, actor: User, organisation_id: int, at: dt.datetime | None = None) -> Landscape:
    """The landscape of an organisation the actor serves; NotFound otherwise (as for a missing one). Six
    queries, whatever the size."""
    organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id > 0 else None
    if organisation is None or not permissions.can_see_as_staff(actor, organisation.pk):
        raise organisation_not_found()
    return _landscape(organisation, local_date(organisation, at))


def portal_landscape(*, actor: User, organisation: Organisation, at: dt.datetime | None = None) -> Landscape:
    """The landscape of the actor's own organisation (the portal's current one), read-only; NotFound for an
    organisation they do not belong to. Five queries, whatever the size."""
    if not permissions.can_see_as_customer(actor, organisation.pk):
        raise organisation_not_found()
    return _landscape(organisation, local_date(organisation, at))


def end_of_life_soon(*, actor: User, organisation_id: int, at: dt.datetime | None = None) -> list[Component]:
    """The organisation's components whose end of life is past or within `EOL_SOON_DAYS` (at its offices' date),
    soonest first, with environment and solution: for the staff serving it and its members; NotFound for anyone
    else. Two queries (the organisation, then one on the organisation/end-of-life index)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id > 0 else None
    if organisation is None or not permissions.can_see(actor, organisation.pk):
        raise organisation_not_found()
    limit = local_date(organisation, at) + dt.timedelta(days=EOL_SOON_DAYS)
    return list(
        Component.objects.filter(organisation=organisation, end_of_life__lte=limit)
        .select_related("environment__solution")
        .order_by("end_of_life", "name", "id")
    )


def _components() -> QuerySet[Component]:
    return with_runbook_number(Component.objects.select_related("organisation", "environment__solution"))


def component_get(*, actor: User, component_id: int, as_customer: bool = False) -> Component:
    """One component the actor may see — as staff serving its organisation, or (`as_customer`) as a member of
    it — with its environment, solution and organisation; NotFound otherwise, the same for a foreign id as for
    a missing one. One query."""
    scope = permissions.customer_landscape if as_customer else permissions.staff_landscape
    component = scope(_components(), actor).filter(pk=component_id).first()
    if component is None:
        raise component_not_found()
    return component


def component_rows(
    *, actor: User, organisation_id: int | None = None, as_customer: bool = False
) -> QuerySet[Component]:
    """The components the actor may see — as staff serving their organisations, or (`as_customer`) as a member of
    them — with organisation, environment and solution and their runbook number, optionally of one organisation:
    a list to order and page (one query a page, whatever the size of the landscapes)."""
    scope = permissions.customer_landscape if as_customer else permissions.staff_landscape
    components = scope(_components(), actor)
    return components if organisation_id is None else components.filter(organisation_id=organisation_id)


def organisation_components(*, actor: User, organisation_id: int) -> list[Component]:
    """Every component of the organisation the actor serves, with environment and solution, for choosing."""
    return list(
        permissions.staff_landscape(Component.objects.select_related("environment__solution"), actor)
        .filter(organisation_id=organisation_id)
        .order_by("environment__solution__name", "environment__kind", "name", "id")
    )


def runbook_history(component: Component, limit: int = RUNBOOK_HISTORY_LIMIT) -> list[RunbookVersion]:
    """The component's runbook versions, newest first (the first is the current one), with their authors."""
    return list(RunbookVersion.objects.filter(component=component).select_related("author").order_by("-number")[:limit])


def components_by_id(ids: list[int]) -> dict[int, Component]:
    """Components by id with their environment and solution (one query); for ids an impact walk reached from a
    component the caller has already authorised (integrations never cross organisations)."""
    if not ids:
        return {}
    rows = with_runbook_number(Component.objects.select_related("environment__solution")).filter(pk__in=ids)
    return {c.pk: c for c in rows}
