"""Links between tickets, and merging a duplicate into the ticket that carries on."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.tenancy.models import User
from picocore.tickets.choices import OPEN_STATUSES, LinkKind, Status
from picocore.tickets.models import Ticket, TicketLink, TicketWatcher
from picocore.tickets.permissions import NOT_FOUND, authorize, can_link, ticket_access
from picocore.tickets.services.common import record, touch
from picocore.tickets.services.lifecycle import TRANSITION_FIELDS, apply_transition
from picocore.tickets.timeline import Linked, Merged


def _check_pair(actor: User, ticket: Ticket, other: Ticket) -> None:
    """Both tickets must be worked on by the actor: NotFound for either one they may not see."""
    authorize(actor, ticket, can_link, _("Only the service team links requests."))
    other_access = ticket_access(actor, other)
    if not other_access.sees:
        raise NotFound(_(NOT_FOUND))
    if not can_link(actor, other, access=other_access):
        raise PermissionDenied(_("Only the service team links requests."))
    if ticket.pk == other.pk:
        raise ValidationError(field_errors={"other": [_("A ticket cannot be linked to itself.")]})
    if ticket.organisation_id != other.organisation_id:
        raise ValidationError(field_errors={"other": [_("Only tickets of the same customer can be linked.")]})


def ticket_link(*, actor: User, ticket: Ticket, other: Ticket, kind: str) -> TicketLink:
    """Record that `ticket` <kind> `other` (internal), on both tickets' timelines; a link exists once."""
    _check_pair(actor, ticket, other)
    kind = LinkKind(kind)
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(
                organisation_id=ticket.organisation_id, source=ticket, target=other, kind=kind, created_by=actor
            )
            for this, that, direction in ((ticket, other, "out"), (other, ticket, "in")):
                record(this, Linked(link=kind, direction=direction, other=that.key), actor=actor)
    except IntegrityError:
        raise ValidationError(field_errors={"other": [_("These tickets are already linked this way.")]}) from None
    return link


def ticket_merge(*, actor: User, duplicate: Ticket, into: Ticket) -> Ticket:
    """Close `duplicate` as merged into `into`: the duplicate's requester is told where it went and follows
    the surviving ticket from now on. Both tickets are locked (in id order, so two merges cannot deadlock).

    A merge closes the duplicate from any open status: it is the one status change outside the transition
    table, because the request lives on in the other ticket.
    """
    _check_pair(actor, duplicate, into)
    with transaction.atomic():
        locked = {
            t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
        }
        duplicate, into = locked[duplicate.pk], locked[into.pk]
        if duplicate.status not in OPEN_STATUSES and duplicate.status != Status.RESOLVED:
            raise InvalidTransition(_("%(key)s is already finished.") % {"key": duplicate.key})
        if into.status in (Status.CLOSED, Status.CANCELLED):
            raise InvalidTransition(
                _("%(key)s is finished; merge into an open ticket.") % {"key": into.key},
            )
        duplicate.merged_into = into
        apply_transition(
            duplicate,
            to=Status.CLOSED,
            actor=actor,
            note=_("This request is a duplicate of %(key)s; we continue there and you can follow it.")
            % {"key": into.key},
            merged_into=into.key,
        )
        touch(duplicate, *TRANSITION_FIELDS, "merged_into")
        TicketLink.objects.get_or_create(
            source=duplicate,
            target=into,
            kind=LinkKind.DUPLICATE_OF,
            defaults={"organisation_id": duplicate.organisation_id, "created_by": actor},
        )
        if duplicate.requester_id != into.requester_id:
            TicketWatcher.objects.get_or_create(
                ticket=into, user_id=duplicate.requester_id, defaults={"organisation_id": into.organisation_id}
            )
        # The duplicate's title stays out of the public event: its requester may be a colleague whose
        # requests this ticket's requester may not see.
        record(into, Merged(merged=duplicate.key, requester=duplicate.requester_id), actor=actor)
        touch(into)
    return into
