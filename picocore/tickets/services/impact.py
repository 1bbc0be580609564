"""Which landscape component a ticket is about, and which components it affects, as a person confirmed them.

Suggested impact (`picocore.cmdb.impact`) is only shown; a `TicketImpact` row is written here and only here, when
someone of the team working on the ticket confirms one, with an internal timeline entry. A component of another
organisation is refused with the same words as one that does not exist.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import ValidationError
from picocore.core.text import one_line, without_nul
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket, TicketImpact
from picocore.tickets.permissions import authorize, can_confirm_impact
from picocore.tickets.services.common import locked, record, touch
from picocore.tickets.timeline import ComponentChanged, ImpactChanged

REASON_LIMIT = 500


def _component_of(ticket: Ticket, component_id: int) -> Component:
    component = (
        Component.objects.filter(pk=component_id, organisation_id=ticket.organisation_id)
        .select_related("environment")
        .first()
    )
    if component is None:
        raise ValidationError(
            field_errors={"component": [_("There is no such component in this customer's landscape.")]}
        )
    return component


def ticket_impact_confirm(*, actor: User, ticket: Ticket, component_id: int, reason: str = "") -> TicketImpact:
    """Record that the ticket affects the component (of the ticket's organisation), with the reason it was
    suggested (the path of integrations, as shown). Confirming it again changes nothing."""
    authorize(actor, ticket, can_confirm_impact, _("Only the team working on the ticket confirms what it affects."))
    component = _component_of(ticket, component_id)
    reason = one_line(without_nul(reason or "")).strip()[:REASON_LIMIT]
    with transaction.atomic():
        ticket = locked(ticket)
        existing = TicketImpact.objects.filter(ticket=ticket, component=component).first()
        if existing is not None:
            return existing
        impact = TicketImpact.objects.create(
            organisation_id=ticket.organisation_id, ticket=ticket, component=component, confirmed_by=actor,
            confirmed_at=now(),
        )  # fmt: skip
        record(ticket, ImpactChanged(component=component.pk, component_name=component.name, reason=reason), actor=actor)
    return impact


def ticket_impact_remove(*, actor: User, ticket: Ticket, component_id: int) -> bool:
    """Withdraw a confirmed component from the ticket; False (and nothing written) when it was not confirmed."""
    authorize(actor, ticket, can_confirm_impact, _("Only the team working on the ticket confirms what it affects."))
    component = _component_of(ticket, component_id)
    with transaction.atomic():
        ticket = locked(ticket)
        deleted, _rows = TicketImpact.objects.filter(ticket=ticket, component=component).delete()
        if not deleted:
            return False
        record(ticket, ImpactChanged(component=component.pk, component_name=component.name, confirmed=False),
               actor=actor)  # fmt: skip
    return True


def ticket_component_set(*, actor: User, ticket: Ticket, component_id: int | None) -> bool:
    """Set the component the ticket is about (of the ticket's organisation; None clears it), with the component's
    environment and solution, and an internal timeline entry. False, and nothing written, when it already is."""
    authorize(actor, ticket, can_confirm_impact, _("Only the team working on the ticket sets its component."))
    component = _component_of(ticket, component_id) if component_id is not None else None
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.component_id == (component.pk if component else None):
            return False
        previous = ""
        if ticket.component_id is not None:
            previous = Component.objects.filter(pk=ticket.component_id).values_list("name", flat=True).first() or ""
        fields = ["component"]
        ticket.component = component
        if component is not None:
            ticket.environment_id = component.environment_id
            ticket.solution_id = component.environment.solution_id
            fields += ["environment", "solution"]
        touch(ticket, *fields)
        name = component.name if component else ""
        entry = ComponentChanged(component=component.pk if component else None, component_name=name,
                                 previous_name=previous)  # fmt: skip
        record(ticket, entry, actor=actor)
    return True
