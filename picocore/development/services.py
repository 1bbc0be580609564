"""Handing change work to development and moving it through its milestones."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.catalog.choices import TicketType
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem
from picocore.development.selectors import development_items_for
from picocore.development.states import allowed_moves
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Team, User
from picocore.tickets.choices import OPEN_STATUSES
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import authorize, can_hand_off, can_see
from picocore.tickets.services.common import locked, record, touch
from picocore.tickets.timeline import DevelopmentMilestone


def _record_milestone(ticket: Ticket, item: DevelopmentItem, actor: User, before: str | None) -> None:
    record(
        ticket,
        DevelopmentMilestone(item=item.pk, team=item.team.name, before=before or "", after=item.milestone),
        actor=actor,
    )


def _unfinished_item(ticket: Ticket, team: Team) -> DevelopmentItem | None:
    return DevelopmentItem.objects.filter(ticket=ticket, team=team).exclude(milestone=Milestone.RELEASED).first()


def development_hand_off(*, actor: User, ticket: Ticket, team: Team, brief: str) -> DevelopmentItem:
    """Hand an open change request to a development team serving its customer. The ticket stays with its
    operations owner, who keeps the conversation; the customer sees the milestone; the team's members are
    notified with the brief.

    Idempotent: while the ticket has an unfinished item for this team, a repeated hand-off (a double click, two
    consultants at once) returns that item and records, notifies and changes nothing. The ticket's row lock
    orders concurrent hand-offs; the unique constraint holds should anything slip past it."""
    authorize(actor, ticket, can_hand_off, _("Only operations hands work to development."))
    errors: dict[str, list[str]] = {}
    brief = (brief or "").strip()
    if ticket.ticket_type != TicketType.CHANGE_REQUEST:
        errors["ticket"] = [_("Only change requests go to development; incidents stay with operations.")]
    if team.kind != TeamKind.DEVELOPMENT:
        errors["team"] = [_("Choose a development team.")]
    elif not team.organisations.filter(pk=ticket.organisation_id).exists():
        errors["team"] = [_("%(team)s does not work for %(org)s.") % {"team": team, "org": ticket.organisation}]
    if not brief:
        errors["brief"] = [_("Write a brief: what to build and why.")]
    if errors:
        raise ValidationError(field_errors=errors)
    try:
        with transaction.atomic():
            ticket = locked(ticket)
            existing = _unfinished_item(ticket, team)
            if existing is not None:
                return existing
            if ticket.status not in OPEN_STATUSES:
                raise InvalidTransition(_("%(key)s is not open.") % {"key": ticket.key})
            item = DevelopmentItem.objects.create(
                organisation_id=ticket.organisation_id,
                ticket=ticket,
                team=team,
                title=ticket.title,
                brief=brief,
                handed_over_by=actor,
            )
            _record_milestone(ticket, item, actor, before=None)
            touch(ticket)
    except IntegrityError:
        # Another hand-off committed the item between our check and our insert (the lock makes this rare).
        existing = _unfinished_item(ticket, team)
        if existing is None:
            raise
        return existing
    return item


def development_item_move(*, actor: User, item: DevelopmentItem, milestone: str) -> DevelopmentItem:
    """Move the item to `milestone` if the state table (`development.states`) allows it from where it stands
    (forward only, skipping ahead is fine); the ticket's timeline records it publicly. Only members of the
    item's team, service managers and administrators may."""
    target = Milestone(milestone)
    # Seen by its team (and managers) in the backlog, or by whoever works on its ticket; nobody else learns of it.
    if not development_items_for(actor=actor).filter(pk=item.pk).exists() and not can_see(actor, item.ticket):
        raise NotFound(_("There is no such development item, or it is not your team's."))
    manager = actor.staff_role in (StaffRole.SERVICE_MANAGER, StaffRole.ADMINISTRATOR)
    if not manager and not item.team.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("Only %(team)s moves this item.") % {"team": item.team})
    with transaction.atomic():
        item = DevelopmentItem.objects.select_for_update().select_related("team", "ticket").get(pk=item.pk)
        before = Milestone(item.milestone)
        allowed = allowed_moves(before)
        if target not in allowed:
            if allowed:
                message = _("The item is already “%(current)s”; milestones only move forward.")
            else:
                message = _("The item is already “%(current)s”; it moves no further.")
            raise InvalidTransition(message % {"current": before.label}, allowed=allowed)
        item.milestone, item.updated_at = target, now()
        item.save(update_fields=["milestone", "updated_at"])
        ticket = locked(item.ticket)
        _record_milestone(ticket, item, actor, before=before)
        touch(ticket)
    return item
