"""Sharing a request with its organisation (`Ticket.shared`), where the organisation shows its requesters their own
and shared requests."""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import authorize, can_share
from picocore.tickets.services.common import locked, record
from picocore.tickets.timeline import SharingChanged


def ticket_share(*, actor: User, ticket: Ticket, shared: bool) -> Ticket:
    """Share the request with its organisation (`shared`) or stop sharing it, by its requester or a customer admin
    of its organisation (`picocore.tickets.permissions.can_share`): NotFound for a request the actor does not see,
    PermissionDenied for one they may not share, nothing written either way. The change and its timeline entry
    are written together; the same choice again changes nothing and records nothing."""
    authorize(actor, ticket, can_share, _("Only the request's requester or a customer admin shares it."))
    with transaction.atomic():
        current = locked(ticket)
        if current.shared != shared:
            Ticket.objects.filter(pk=ticket.pk).update(shared=shared)
            current.shared = shared
            record(current, SharingChanged(shared=shared), actor=actor, recompute_sla=False)
    ticket.shared = shared
    return ticket
