"""What a problem links: the incidents it explains, the components it affects (and through both, the customers),
and the change that fixes it.

Guarantees: an incident or component is linked or unlinked only by staff serving its organisation (NotFound for
one they may not see, as for a missing one); only incidents are linked; a closed problem takes no more links; the
affected customers follow the links in the same transaction; the fixing change is one the actor may see as staff.
Each write, its history entry and its audit entry are one transaction.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.catalog.choices import TicketType
from picocore.changes import permissions as change_permissions
from picocore.changes.models import Change
from picocore.cmdb.models import Component
from picocore.core.errors import InvalidTransition, NotFound, ValidationError
from picocore.problems import permissions, states
from picocore.problems.history import ComponentsChanged, FixChangeLinked, IncidentLinked, IncidentUnlinked
from picocore.problems.models import Problem, ProblemComponent, ProblemIncident
from picocore.problems.services.common import locked, record, sync_customers, touch
from picocore.tenancy.models import User
from picocore.tickets.keys import parse_ticket_key
from picocore.tickets.models import Ticket

_CHANGE_KEY = re.compile(r"(?:CHG-)?([0-9]{1,18})", re.IGNORECASE)


def _no_ticket(key: str) -> NotFound:
    return NotFound(_("There is no ticket %(key)s, or it is not yours to work on.") % {"key": key})


def _refuse_closed(problem: Problem) -> None:
    if problem.status in states.TERMINAL:
        raise InvalidTransition(_("%(key)s is closed and takes no more links.") % {"key": problem.key})


def problem_link_incident(*, actor: User, problem_id: int, ticket_key: str) -> ProblemIncident:
    """Link the incident `ticket_key` (as people type keys) to the problem; linking it again changes nothing."""
    key = parse_ticket_key(ticket_key or "") if isinstance(ticket_key, str) else None
    if key is None:
        raise ValidationError(field_errors={"ticket": [_("Give a ticket key such as ACME-12.")]})
    with transaction.atomic():
        problem = locked(actor, problem_id)
        _refuse_closed(problem)
        ticket = Ticket.objects.filter(key=key).first()
        if ticket is None or not permissions.can_touch(actor, ticket.organisation_id):
            raise _no_ticket(key)
        if ticket.ticket_type != TicketType.INCIDENT:
            raise ValidationError(field_errors={"ticket": [_("%(key)s is not an incident.") % {"key": key}]})
        link, made = ProblemIncident.objects.get_or_create(
            problem=problem, ticket=ticket, defaults={"organisation_id": ticket.organisation_id, "linked_by": actor}
        )
        if made:
            sync_customers(problem)
            problem.save(update_fields=[touch(problem)])
            record(problem, IncidentLinked(ticket=ticket.key), actor=actor)
    return link


def problem_unlink_incident(*, actor: User, problem_id: int, ticket_id: int) -> None:
    """Unlink one incident from the problem (NotFound when it is not linked or not the actor's to touch)."""
    with transaction.atomic():
        problem = locked(actor, problem_id)
        _refuse_closed(problem)
        link = (
            ProblemIncident.objects.select_related("ticket").filter(problem=problem, ticket_id=ticket_id).first()
            if isinstance(ticket_id, int)
            else None
        )
        if link is None or not permissions.can_touch(actor, link.organisation_id):
            raise NotFound(_("That incident is not linked to %(key)s.") % {"key": problem.key})
        key = link.ticket.key
        link.delete()
        sync_customers(problem)
        problem.save(update_fields=[touch(problem)])
        record(problem, IncidentUnlinked(ticket=key), actor=actor)


def problem_component_add(*, actor: User, problem_id: int, component_id: int) -> ProblemComponent:
    """Name a component the problem affects (one of a customer's landscape the actor serves)."""
    with transaction.atomic():
        problem = locked(actor, problem_id)
        _refuse_closed(problem)
        component = (
            Component.objects.select_related("environment__solution").filter(pk=component_id).first()
            if isinstance(component_id, int)
            else None
        )
        if component is None or not permissions.can_touch(actor, component.organisation_id):
            raise NotFound(_("There is no such component, or it is not yours to see."))
        link, made = ProblemComponent.objects.get_or_create(
            problem=problem, component=component,
            defaults={"organisation_id": component.organisation_id, "added_by": actor},
        )  # fmt: skip
        if made:
            sync_customers(problem)
            problem.save(update_fields=[touch(problem)])
            record(problem, ComponentsChanged(added=(component.name,)), actor=actor)
    return link


def problem_component_remove(*, actor: User, problem_id: int, component_id: int) -> None:
    """Take a component off the problem (NotFound when it is not on it or not the actor's to touch)."""
    with transaction.atomic():
        problem = locked(actor, problem_id)
        _refuse_closed(problem)
        link = (
            ProblemComponent.objects.select_related("component")
            .filter(problem=problem, component_id=component_id)
            .first()
            if isinstance(component_id, int)
            else None
        )
        if link is None or not permissions.can_touch(actor, link.organisation_id):
            raise NotFound(_("That component is not on %(key)s.") % {"key": problem.key})
        name = link.component.name
        link.delete()
        sync_customers(problem)
        problem.save(update_fields=[touch(problem)])
        record(problem, ComponentsChanged(removed=(name,)), actor=actor)


def parse_change_key(text: str) -> int | None:
    """The number in a change key as people type it ("CHG-12", "chg-12", "12"); None otherwise."""
    match = _CHANGE_KEY.fullmatch((text or "").strip()) if isinstance(text, str) else None
    return int(match.group(1)) if match else None


def problem_set_fixing_change(*, actor: User, problem_id: int, change_key: str) -> Problem:
    """Name the change that fixes the problem by its key (`CHG-12`), or none with an empty key. The change must be
    one the actor may see as staff serving its customer."""
    wanted = (change_key or "").strip() if isinstance(change_key, str) else ""
    number = parse_change_key(wanted) if wanted else None
    if wanted and number is None:
        raise ValidationError(field_errors={"change": [_("Give a change key such as CHG-12.")]})
    with transaction.atomic():
        problem = locked(actor, problem_id)
        _refuse_closed(problem)
        change = None
        if number is not None:
            change = Change.objects.filter(number=number).first()
            if change is None or not change_permissions.can_read_as_staff(actor, change.organisation_id):
                raise NotFound(_("There is no change %(key)s, or it is not yours to see.") % {"key": wanted.upper()})
        if problem.fixing_change_id == (change.pk if change else None):
            return problem
        before = problem.fixing_change.key if problem.fixing_change else None
        problem.fixing_change = change
        problem.save(update_fields=["fixing_change", touch(problem)])
        record(problem, FixChangeLinked(change=change.key if change else ""), actor=actor,
               changes={"fixing_change": {"before": before, "after": change.key if change else None}})  # fmt: skip
    return problem
